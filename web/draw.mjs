// A drawing -> a model input the way MNIST was made (LeCun et al.): take the bounding box of the
// ink, scale it so its longer side is 20 pixels (aspect ratio kept, anti-aliased by area
// averaging), then place it in a 28×28 frame so that its centre of mass sits at the frame centre.
// For other input sizes the box keeps the same 20/28 proportion.
//
// Pure functions over plain arrays (no DOM), so Node tests can check them; the page passes the
// canvas pixels in through inkFromRGBA().

/// Ink intensity in [0,1] per pixel from canvas RGBA: the page draws white strokes on black, so the
/// red channel is the ink (scaled by alpha, in case the canvas is transparent).
export function inkFromRGBA(rgba, width, height) {
  const n = width * height;
  if (rgba.length !== 4 * n) throw new Error(`inkFromRGBA: expected ${4 * n} bytes for ${width}x${height}, got ${rgba.length}`);
  const ink = new Float32Array(n);
  for (let i = 0; i < n; i++) ink[i] = (rgba[4 * i] * rgba[4 * i + 3]) / (255 * 255);
  return ink;
}

/// Bounding box {x0, y0, x1, y1} (x1, y1 exclusive) of pixels above `threshold`, or null if none.
export function inkBounds(ink, width, height, threshold = 0.05) {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (ink[row + x] > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

// Area-averaging resample of one axis: every output cell is the mean of the source interval it
// covers, partial source pixels weighted by their overlap (a box filter; exact for any ratio).
function resampleAxis(src, srcLen, dstLen, count, stride, step) {
  // src is read as `count` lines of srcLen samples: sample i of line j at j*stride + i*step.
  const out = new Float32Array(count * dstLen);
  const scale = srcLen / dstLen;
  for (let j = 0; j < count; j++) {
    for (let d = 0; d < dstLen; d++) {
      const a = d * scale;
      const b = a + scale;
      let sum = 0;
      for (let s = Math.floor(a); s < Math.ceil(b) && s < srcLen; s++) {
        const w = Math.min(b, s + 1) - Math.max(a, s);
        if (w > 0) sum += w * src[j * stride + s * step];
      }
      out[j * dstLen + d] = sum / scale;
    }
  }
  return out;
}

/// Crop `ink` (width × height) to `box` and scale it to tw × th by area averaging.
export function cropAndScale(ink, width, box, tw, th) {
  const cw = box.x1 - box.x0;
  const ch = box.y1 - box.y0;
  const crop = new Float32Array(cw * ch);
  for (let y = 0; y < ch; y++) crop.set(ink.subarray((box.y0 + y) * width + box.x0, (box.y0 + y) * width + box.x1), y * cw);
  const rows = resampleAxis(crop, cw, tw, ch, cw, 1); // ch lines of tw
  const cols = resampleAxis(rows, ch, th, tw, 1, tw); // tw lines (columns) of th: cols[x*th + y]
  const out = new Float32Array(tw * th);
  for (let x = 0; x < tw; x++) for (let y = 0; y < th; y++) out[y * tw + x] = cols[x * th + y];
  return out;
}

/// Centre of mass {cx, cy} of an image in pixel-centre coordinates (pixel x spans [x, x+1)).
export function centreOfMass(img, w, h) {
  let m = 0, sx = 0, sy = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = img[y * w + x];
      m += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  }
  return m > 0 ? { cx: sx / m, cy: sy / m } : { cx: w / 2, cy: h / 2 };
}

/// The whole pipeline. ink: width × height intensities in [0,1]. Returns { pixels: Float32Array of
/// outH × outW × channels in [0,1], box, offset } or null when nothing is drawn.
/// The scaled glyph is shifted by a whole number of pixels (as MNIST did) and kept inside the frame.
export function toModelInput(ink, width, height, { outH = 28, outW = 28, channels = 1, threshold = 0.05 } = {}) {
  const box = inkBounds(ink, width, height, threshold);
  if (!box) return null;
  const boxSide = Math.max(1, Math.round((20 / 28) * Math.min(outH, outW)));
  const cw = box.x1 - box.x0;
  const ch = box.y1 - box.y0;
  const scale = boxSide / Math.max(cw, ch);
  const tw = Math.max(1, Math.min(outW, Math.round(cw * scale)));
  const th = Math.max(1, Math.min(outH, Math.round(ch * scale)));
  const glyph = cropAndScale(ink, width, box, tw, th);
  const { cx, cy } = centreOfMass(glyph, tw, th);
  const ox = Math.min(outW - tw, Math.max(0, Math.round(outW / 2 - cx)));
  const oy = Math.min(outH - th, Math.max(0, Math.round(outH / 2 - cy)));
  const pixels = new Float32Array(outH * outW * channels);
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const v = Math.min(1, Math.max(0, glyph[y * tw + x]));
      const o = ((oy + y) * outW + ox + x) * channels;
      for (let c = 0; c < channels; c++) pixels[o + c] = v;
    }
  }
  return { pixels, box, offset: { x: ox, y: oy }, size: { w: tw, h: th } };
}

/// Grey pixels (u8 0..255 or float 0..1, h × w × c) -> RGBA bytes for an ImageData.
export function toRGBA(px, w, h, c = 1) {
  const rgba = new Uint8ClampedArray(4 * w * h);
  const f = px instanceof Float32Array || px instanceof Float64Array ? 255 : 1;
  for (let i = 0; i < w * h; i++) {
    const r = px[i * c] * f;
    const g = c >= 3 ? px[i * c + 1] * f : r;
    const b = c >= 3 ? px[i * c + 2] * f : r;
    rgba[4 * i] = r;
    rgba[4 * i + 1] = g;
    rgba[4 * i + 2] = b;
    rgba[4 * i + 3] = 255;
  }
  return rgba;
}
