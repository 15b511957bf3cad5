//! A photo as a phone sends it: Exif with the GPS position, camera make and
//! model and the time, XMP, Photoshop/IPTC, a comment, and the EXIF
//! orientation "rotate 90°" (stored landscape, shown portrait).

use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};

/// The camera model written into the Exif block; must never leave mleg.
pub const CAMERA_MODEL: &str = "ZZPhone 15 Pro Max";
/// Markers of the other metadata kinds, each unique in the file.
pub const METADATA_MARKERS: [&str; 6] = [
    "Exif",
    CAMERA_MODEL,
    "2026:05:01 12:34:56",
    "ns.adobe.com",
    "8BIM",
    "ZZCOMMENT",
];

fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
    let len = u16::try_from(body.len() + 2).expect("small segment");
    let mut out = vec![0xFF, marker];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// Big-endian Exif: Model, Orientation, DateTime and a GPS IFD (N 52°13').
fn exif(orientation: u16) -> Vec<u8> {
    let entry = |tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        let mut e = tag.to_be_bytes().to_vec();
        e.extend_from_slice(&kind.to_be_bytes());
        e.extend_from_slice(&count.to_be_bytes());
        e.extend_from_slice(&value);
        e
    };
    let at = |offset: usize| u32::try_from(offset).unwrap().to_be_bytes();
    let model = format!("{CAMERA_MODEL}\0");
    let date = b"2026:05:01 12:34:56\0";
    let model_at = 8 + 2 + 4 * 12 + 4;
    let date_at = model_at + model.len();
    let gps_at = date_at + date.len();
    let lat_at = gps_at + 2 + 2 * 12 + 4;
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&4u16.to_be_bytes());
    tiff.extend(entry(0x0110, 2, model.len() as u32, at(model_at)));
    let [o1, o0] = orientation.to_be_bytes();
    tiff.extend(entry(0x0112, 3, 1, [o1, o0, 0, 0]));
    tiff.extend(entry(0x0132, 2, date.len() as u32, at(date_at)));
    tiff.extend(entry(0x8825, 4, 1, at(gps_at)));
    tiff.extend_from_slice(&[0; 4]);
    tiff.extend_from_slice(model.as_bytes());
    tiff.extend_from_slice(date);
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend(entry(0x0001, 2, 2, *b"N\0\0\0"));
    tiff.extend(entry(0x0002, 5, 3, at(lat_at)));
    tiff.extend_from_slice(&[0; 4]);
    for (num, den) in [(52u32, 1u32), (13, 1), (4711, 100)] {
        tiff.extend_from_slice(&num.to_be_bytes());
        tiff.extend_from_slice(&den.to_be_bytes());
    }
    let mut body = b"Exif\0\0".to_vec();
    body.extend(tiff);
    body
}

/// A valid ID photo (shown 354x496) as a phone stores it: 496x354 pixels
/// with orientation 6, a red 32x32 block in the stored top-left corner
/// (shown top-right), white elsewhere, and every kind of metadata.
pub fn phone_jpeg() -> Vec<u8> {
    let img = RgbImage::from_fn(496, 354, |x, y| {
        if x < 32 && y < 32 {
            Rgb([255, 0, 0])
        } else {
            Rgb([255, 255, 255])
        }
    });
    let mut plain = Vec::new();
    JpegEncoder::new_with_quality(&mut plain, 90)
        .encode_image(&img)
        .expect("encode jpeg");
    let mut out = plain[..2].to_vec();
    out.extend(segment(0xE1, &exif(6)));
    out.extend(segment(
        0xE1,
        b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>GPSLatitude 52,13N</x:xmpmeta>",
    ));
    out.extend(segment(0xED, b"Photoshop 3.0\08BIM\x04\x04city"));
    out.extend(segment(0xFE, b"ZZCOMMENT taken at home"));
    out.extend_from_slice(&plain[2..]);
    out
}

/// Which metadata markers `data` still contains.
pub fn metadata_left(data: &[u8]) -> Vec<&'static str> {
    METADATA_MARKERS
        .into_iter()
        .filter(|m| data.windows(m.len()).any(|w| w == m.as_bytes()))
        .collect()
}
