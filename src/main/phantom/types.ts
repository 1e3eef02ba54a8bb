/**
 * Shared shapes of the phantom kernels. Geometry is in millimetres in DICOM patient coordinates
 * (LPS): +x towards the patient's left (image right), +y posterior (image down), +z superior
 * (head). Volumes are indexed [z][y][x] with slice 0 the most inferior (lowest z).
 */

/** A point [x, y, z] in mm, patient coordinates. */
export type Vec3 = [number, number, number]

/** The voxel grid: voxel (k, j, i) has its centre at (x0 + i·dx, y0 + j·dy, z0 + k·dz). */
export interface Grid {
  rows: number
  cols: number
  slices: number
  /** Column spacing (x), mm. */
  dx: number
  /** Row spacing (y), mm. */
  dy: number
  /** Slice spacing (z), mm. */
  dz: number
  x0: number
  y0: number
  /** z of slice 0, the most inferior slice. */
  z0: number
}

/** The two buffers every painter writes: HU before noise, and the ground-truth lung mask. */
export interface VolumeBuffers {
  hu: Int16Array
  mask: Uint8Array
  grid: Grid
}

/** One axial slice being painted: views into the volume buffers. */
export interface SliceCtx {
  k: number
  /** z of this slice, mm. */
  z: number
  hu: Int16Array
  mask: Uint8Array
  grid: Grid
}

/**
 * What a 3-D painter does with the lung mask:
 * - `keep`: paint HU everywhere, leave the mask as it is (airways inside and outside lungs);
 * - `clear`: paint HU everywhere and clear the mask (structures that are not lung: aorta, metal);
 * - `inside`: paint only where the mask is set, keep it (vessels, nodules, small bronchi).
 */
export type PaintMode = 'keep' | 'clear' | 'inside'

export interface Ellipsoid {
  cx: number
  cy: number
  cz: number
  ax: number
  ay: number
  az: number
}

export interface LungShape {
  /** -1 right lung (patient right, −x), +1 left lung. */
  side: -1 | 1
  /** Centre and semi-axes of the full-size cross-section, mm. */
  cx: number
  cy: number
  ax: number
  ay: number
  /** Top of the apex, mm. */
  zApex: number
  /** Lowest point of the base (the costophrenic recess at the lung's rim), mm. */
  zBase: number
  /** How much higher the diaphragm dome is at the centre than at the rim, mm. */
  dome: number
  /** Replaced by soft tissue (not lung, not in the mask). */
  collapsed: boolean
}

export interface Rib {
  side: -1 | 1
  /** z of the rib at its posterior end (phi0), mm. */
  zPost: number
  /** How far the rib descends from phi0 to phi1, mm. */
  drop: number
  /** Angular extent around the rib cage, radians: 0 is posterior midline, π anterior midline. */
  phi0: number
  phi1: number
  /** Angle from which the rib continues as costal cartilage. */
  phiCartilage: number
}

export interface Segment {
  a: Vec3
  b: Vec3
  r: number
}

export interface Layout {
  grid: Grid
  /** Radius of the circular reconstruction field of view, centred on the image. */
  fovRadius: number
  /** Scanned range, mm (top slice z − bottom slice z). */
  height: number
  body: { cx: number; cy: number; ax: number; ay: number; fat: number }
  mediastinalFat: Ellipsoid
  heart: Ellipsoid
  /** [right, left]. */
  lungs: [LungShape, LungShape]
  spine: { cy: number; r: number; canalCy: number; canalR: number; pitch: number; discHalf: number }
  ribcage: { cy: number; ax: number; ay: number; halfThick: number; halfHeight: number }
  ribs: Rib[]
  sternum: { cy: number; ax: number; ay: number; zTop: number; zBottom: number }
  aorta: { path: Vec3[]; r: number }
  trachea: { x: number; y: number; r: number; wall: number; zTop: number; zCarina: number }
  /** Main bronchi, carina to hilum: [right, left]. */
  mainBronchi: [Segment, Segment]
  /** Roots of the pulmonary vessel trees: [right, left]. */
  vesselRoots: [Vec3, Vec3]
  tray: null | { yTop: number; thickness: number; rise: number; halfFov: number }
  pacemaker: null | { can: Ellipsoid; leads: Vec3[]; leadR: number; streakAngles: number[]; amplitude: number }
  tracheostomy: null | {
    x: number
    z: number
    yOut: number
    yIn: number
    depth: number
    r: number
    wall: number
    flangeY: number
  }
  nodules: Array<{ c: Vec3; r: number; juxtapleural: boolean }>
  /** The upper abdomen below the lungs, or null when the scan stops at the lung bases. */
  abdomen: null | {
    liver: Ellipsoid
    /** The stomach's lumen: gas anterior to `level`, fluid posterior to it. */
    stomach: Ellipsoid
    /** y of the air–fluid level (supine: a coronal plane, a horizontal line in axial images). */
    level: number
    /** Gas-filled colon (splenic flexure and transverse colon). */
    colon: { path: Vec3[]; r: number }
    /** Tissue kept between any lung and the gas, normal to the lung's surface, mm. */
    diaphragm: number
  }
}
