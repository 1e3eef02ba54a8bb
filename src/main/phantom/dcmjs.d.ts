// dcmjs 0.51 ships no type declarations. The phantom writer uses only `data.DicomDict` and
// `data.DicomMetaDictionary.denaturalizeDataset`, typed loosely at the call site (dataset.ts).
declare module 'dcmjs'
