// Query images from the user: a dropped, pasted or picked file, decoded by the browser's own decoders
// (createImageBitmap: PNG, JPEG, GIF, WebP, whatever the browser reads), handed to the package as
// ImageData-like RGBA. The package turns it into the model's input with the core's preprocess_rgba
// (composite over the model's background, BT.601 gray or RGB, exact area resize): the arithmetic the
// trainer applies to the same file, so an opaque PNG of the gallery finds its own code. (A canvas
// stores premultiplied alpha, so semi-transparent pixels may come back a level off.)

/// Images larger than this are refused before decoding: a 60,000 × 60,000 header would otherwise ask
/// for 14 GB of RGBA.
export const MAX_PIXELS = 64 * 1024 * 1024;

/// The first image file of a DataTransfer (drop or paste), or null.
export function imageFileOf(dataTransfer) {
  if (!dataTransfer) return null;
  for (const f of dataTransfer.files ?? []) if (f && (f.type.startsWith('image/') || /\.(png|jpe?g|gif|webp|bmp)$/i.test(f.name))) return f;
  for (const item of dataTransfer.items ?? []) {
    if (item.kind === 'file' && item.type.startsWith('image/')) return item.getAsFile();
  }
  return null;
}

/// Decodes a File / Blob to { data, width, height } (RGBA bytes). Throws an Error naming the file
/// when the browser cannot read it as an image or it is too large.
export async function decodeImage(file) {
  const name = file.name || 'the pasted image';
  let bitmap;
  try {
    // No colour management: libpng / libjpeg-turbo in the trainer ignore gAMA / iCCP / sRGB, so
    // the browser must hand over the file's own values too.
    bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none' });
  } catch (e) {
    throw new Error(`${name}: not an image this browser can read (${e && e.message ? e.message : e})`);
  }
  try {
    const { width, height } = bitmap;
    if (!width || !height) throw new Error(`${name}: the image is empty (${width}×${height})`);
    if (width * height > MAX_PIXELS) throw new Error(`${name}: ${width}×${height} pixels is larger than ${MAX_PIXELS / 1048576} M pixels`);
    const canvas = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(width, height) : Object.assign(document.createElement('canvas'), { width, height });
    const ctx = canvas.getContext('2d');
    ctx.drawImage(bitmap, 0, 0);
    const img = ctx.getImageData(0, 0, width, height);
    return { data: img.data, width, height, name };
  } finally {
    bitmap.close();
  }
}
