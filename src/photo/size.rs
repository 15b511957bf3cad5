//! How large a picture says it is, from its header alone: no pixel is
//! decoded and nothing is allocated in proportion to the claimed size.
//!
//! Mail carries many pictures that are not photos: a signature logo
//! (Outlook's `image001.png`), an icon, a tracking pixel, an emoji. Telling
//! them from a photo of a child needs only the size, and a mail may hold
//! dozens of them, so this reads just the few header bytes each format puts
//! its size in — GIF, BMP, WebP and ICO included, which are never decoded.

use super::jpeg::jpeg_frame;
use super::{DetectedKind, detect_kind};

/// Width and height as stored in the picture's header, when the format is
/// known and the header readable. Not a proof that the picture decodes.
pub fn declared_size(data: &[u8]) -> Option<(u32, u32)> {
    let size = match detect_kind(data) {
        DetectedKind::Jpeg => jpeg_frame(data).map(|f| (f.width, f.height)),
        // IHDR is the first chunk: width and height big-endian at 16..24.
        DetectedKind::Png => Some((be32(data, 16)?, be32(data, 20)?)),
        // Logical screen: little-endian 16-bit at 6..10.
        DetectedKind::Gif => Some((le16(data, 6)?.into(), le16(data, 8)?.into())),
        // BITMAPINFOHEADER: signed 32-bit; a negative height is top-down.
        DetectedKind::Bmp => Some((
            le32(data, 18)?.unsigned_abs(),
            le32(data, 22)?.unsigned_abs(),
        )),
        DetectedKind::Webp => webp(data),
        _ if data.starts_with(&[0, 0, 1, 0]) => ico(data),
        _ => None,
    }?;
    (size.0 > 0 && size.1 > 0).then_some(size)
}

/// The first image of a Windows icon (favicons travel in HTML mail): 0 in a
/// size byte means 256.
fn ico(data: &[u8]) -> Option<(u32, u32)> {
    let side = |b: u8| if b == 0 { 256 } else { u32::from(b) };
    Some((side(*data.get(6)?), side(*data.get(7)?)))
}

/// WebP's three flavours keep the size in different places.
fn webp(data: &[u8]) -> Option<(u32, u32)> {
    match data.get(12..16)? {
        // Lossy: 14-bit sides after the key-frame start code.
        b"VP8 " => Some((
            u32::from(le16(data, 26)? & 0x3fff),
            u32::from(le16(data, 28)? & 0x3fff),
        )),
        // Lossless: 14-bit width-1 and height-1 packed after the signature byte.
        b"VP8L" => {
            let bits = u32::from_le_bytes(data.get(21..25)?.try_into().ok()?);
            Some(((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1))
        }
        // Extended: 24-bit canvas width-1 and height-1.
        b"VP8X" => Some((le24(data, 24)? + 1, le24(data, 27)? + 1)),
        _ => None,
    }
}

fn be32(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

fn le32(data: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_le_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

fn le24(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at + 3)?;
    Some(u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16)
}

fn le16(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::declared_size;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::new(width, height);
        let mut out = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::new(width, height);
        let mut out = Vec::new();
        img.write_to(
            &mut std::io::Cursor::new(&mut out),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
        out
    }

    #[test]
    fn reads_the_size_of_every_format_mail_carries_pictures_in() {
        assert_eq!(declared_size(&png(60, 19)), Some((60, 19)));
        assert_eq!(declared_size(&jpeg(354, 496)), Some((354, 496)));
        let mut gif = b"GIF89a".to_vec();
        gif.extend([16, 0, 16, 0, 0x80, 0, 0]);
        assert_eq!(declared_size(&gif), Some((16, 16)));
        let mut bmp = b"BM".to_vec();
        bmp.resize(18, 0);
        bmp.extend(1u32.to_le_bytes());
        bmp.extend((-1i32).to_le_bytes());
        assert_eq!(declared_size(&bmp), Some((1, 1)));
        let mut webp = b"RIFF\0\0\0\0WEBPVP8X".to_vec();
        webp.resize(24, 0);
        webp.extend([31, 0, 0, 9, 0, 0]);
        assert_eq!(declared_size(&webp), Some((32, 10)));
        let ico = [0, 0, 1, 0, 1, 0, 16, 16, 0, 0];
        assert_eq!(declared_size(&ico), Some((16, 16)));
    }

    #[test]
    fn an_unreadable_header_has_no_size() {
        assert_eq!(declared_size(b""), None);
        assert_eq!(declared_size(b"GIF89a\x01"), None);
        assert_eq!(declared_size(b"%PDF-1.4"), None);
        assert_eq!(declared_size(&[0xFF, 0xD8, 0xFF]), None);
        let mut empty_png = png(1, 1);
        empty_png[16..24].fill(0);
        assert_eq!(declared_size(&empty_png), None);
    }
}
