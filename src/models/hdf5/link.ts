/** A named entry of a group, whichever way the group stores it. */
export type Link =
  | { readonly name: string; readonly kind: 'hard'; readonly address: number }
  | { readonly name: string; readonly kind: 'soft'; readonly target: string }
  | { readonly name: string; readonly kind: 'external' };

const utf8 = new TextDecoder('utf-8');

/** Decodes a name; HDF5 names are ASCII or UTF-8. */
export function decodeName(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}
