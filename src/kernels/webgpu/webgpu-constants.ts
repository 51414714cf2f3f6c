/**
 * The WebGPU flag values from the specification. Browsers expose them as globals
 * (GPUBufferUsage, …); Dawn's Node module only as an object the caller would have to copy onto
 * globalThis. Spelling them out keeps the backend from touching globals.
 */
export const BufferUsage = {
  MAP_READ: 0x0001,
  MAP_WRITE: 0x0002,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
  QUERY_RESOLVE: 0x0200,
} as const;

export const MapMode = { READ: 0x0001, WRITE: 0x0002 } as const;

export const ShaderStage = { COMPUTE: 0x0004 } as const;
