# Decoding fixtures: small images in every mode the loader must handle, and the pixels Pillow's
# Image.open(f).convert('RGB') gives for each (<name>.rgb, raw HWC bytes). Run with Debian's
# /usr/bin/python3 (Pillow 9.4, libjpeg-turbo) from this folder. Written for t2t-pekko's loader tests.
import io, struct, zlib
import numpy as np
from PIL import Image

W, H = 40, 24
yy, xx = np.mgrid[0:H, 0:W]
rgb = np.stack([xx * 6, yy * 10, (xx + yy) * 4], -1).clip(0, 255).astype(np.uint8)
rgb[5:9, 5:15] = (250, 20, 30)

def dump(name, path):
    out = np.asarray(Image.open(path).convert('RGB'))
    assert out.shape[2] == 3
    open(name + '.rgb', 'wb').write(out.tobytes())
    print(name, Image.open(path).mode, out.shape)

def png_chunk(t, d):
    return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)

def raw_png(path, arr, depth, ctype):
    h, w = arr.shape[:2]
    rows = arr.astype('>u2' if depth == 16 else np.uint8).reshape(h, -1).tobytes()
    stride = len(rows) // h
    data = b''.join(b'\0' + rows[i * stride:(i + 1) * stride] for i in range(h))
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + png_chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, depth, ctype, 0, 0, 0))
                + png_chunk(b'IDAT', zlib.compress(data)) + png_chunk(b'IEND', b''))

Image.fromarray(rgb).save('rgb420_q90.jpg', quality=90)
dump('rgb420_q90', 'rgb420_q90.jpg')
Image.fromarray(rgb).save('progressive.jpg', quality=85, progressive=True)
dump('progressive', 'progressive.jpg')
Image.fromarray(rgb).convert('L').save('gray.jpg', quality=90)
dump('gray', 'gray.jpg')
Image.fromarray(rgb).convert('CMYK').save('cmyk.jpg', quality=95)
dump('cmyk', 'cmyk.jpg')
# EXIF orientation 6 ("rotate 90 CW to display"): Pillow ignores it, so its pixels equal the stored grid.
exif = Image.Exif(); exif[0x0112] = 6
Image.fromarray(rgb).save('exif6.jpg', quality=90, exif=exif.tobytes())
dump('exif6', 'exif6.jpg')
pal = Image.fromarray(rgb).convert('P', palette=Image.ADAPTIVE, colors=16)
pal.info['transparency'] = 3
pal.save('palette.png', transparency=3)
dump('palette', 'palette.png')
rgba = np.concatenate([rgb, (xx * 6).astype(np.uint8)[..., None]], -1)
Image.fromarray(rgba, 'RGBA').save('rgba.png')
dump('rgba', 'rgba.png')
Image.fromarray(rgba[..., [0, 3]], 'LA').save('la.png')
dump('la', 'la.png')
Image.fromarray(rgb).save('rgb.png')
dump('rgb', 'rgb.png')
raw_png('gray16.png', (xx * 7 + yy).astype(np.uint16) * 1 + (xx > 30) * 3000, 16, 0)
dump('gray16', 'gray16.png')
raw_png('rgb16.png', rgb.astype(np.uint16) * 257 + (xx[..., None] % 3), 16, 2)
dump('rgb16', 'rgb16.png')
pal.save('palette.gif')
dump('palette_gif', 'palette.gif')
Image.fromarray(rgb).save('rgb.bmp')
dump('rgb_bmp', 'rgb.bmp')
Image.fromarray(rgb).save('lossless.webp', lossless=True)
dump('lossless_webp', 'lossless.webp')
Image.fromarray(rgb).save('rgb.tif')
dump('rgb_tif', 'rgb.tif')
