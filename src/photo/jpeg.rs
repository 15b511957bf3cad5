//! Reading a JPEG's structure by hand, without decoding a pixel: the frame
//! header (size, colour components), the EXIF orientation, and whether the
//! marker chain really reaches the end-of-image marker. The decoder is
//! lenient with truncated files and silent about CMYK, so these facts must
//! come from here.

/// The parts of a JPEG frame header (SOFn) we judge by.
#[derive(Debug, Clone, Copy)]
pub(super) struct Frame {
    pub(super) precision: u8,
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) components: u8,
}

/// What walking the marker structure found.
#[derive(Debug, Default)]
pub(super) struct JpegWalk {
    pub(super) frame: Option<Frame>,
    /// EXIF orientation, 1 (upright) if absent or unreadable.
    pub(super) orientation: u16,
    /// Why the structure is broken, if it is; `None` means the walk reached
    /// the end-of-image marker.
    pub(super) damage: Option<String>,
}

/// Walks the JPEG markers from SOI to EOI without decoding any pixels.
///
/// Segments are skipped by their length and entropy-coded data is scanned
/// for the next marker, so an `FF D9` inside a segment (such as the EXIF
/// thumbnail) is never mistaken for the end. Reaching the real EOI proves the
/// file was not cut short, which the decoder alone does not: image 0.25
/// (zune-jpeg, lenient mode) returns a full-size picture for a JPEG cut in
/// half. Bytes after EOI are allowed, because phones append data there
/// (Ultra HDR gain maps, Motion Photo videos).
pub(super) fn walk_jpeg(data: &[u8]) -> JpegWalk {
    let mut walk = JpegWalk {
        orientation: 1,
        ..JpegWalk::default()
    };
    if let Err(detail) = walk_markers(data, &mut walk, false) {
        walk.damage = Some(detail);
    }
    walk
}

/// The frame header alone: the walk stops there, without scanning the
/// picture's data for the end (a size is all a logo check needs).
pub(super) fn jpeg_frame(data: &[u8]) -> Option<Frame> {
    let mut walk = JpegWalk::default();
    walk_markers(data, &mut walk, true).ok()?;
    walk.frame
}

fn walk_markers(data: &[u8], walk: &mut JpegWalk, until_frame: bool) -> Result<(), String> {
    let mut pos = 2; // after SOI, which detect_kind has seen
    loop {
        if data.get(pos) != Some(&0xFF) {
            return Err(match data.get(pos) {
                None => "file ends before the end-of-image marker (truncated)".to_owned(),
                Some(_) => format!("expected a marker at byte {pos}"),
            });
        }
        // Any number of 0xFF fill bytes may precede a marker code.
        while data.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let Some(&marker) = data.get(pos) else {
            return Err("file ends inside a marker (truncated)".to_owned());
        };
        pos += 1;
        match marker {
            0xD9 => return Ok(()),
            // Restart markers and TEM stand alone, without a length.
            0xD0..=0xD7 | 0x01 => continue,
            0xD8 => return Err(format!("second start-of-image marker at byte {}", pos - 2)),
            _ => {}
        }
        let len = data
            .get(pos..pos + 2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
            .ok_or("file ends inside a segment header (truncated)")?;
        let body = data
            .get(pos + 2..pos + len)
            .filter(|_| len >= 2)
            .ok_or_else(|| format!("segment 0xFF{marker:02X} at byte {} is cut short", pos - 2))?;
        pos += len;
        match marker {
            // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC).
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                if walk.frame.is_some() {
                    return Err("more than one frame header (SOF)".to_owned());
                }
                let [precision, h1, h0, w1, w0, components, ..] = *body else {
                    return Err("frame header (SOF) too short".to_owned());
                };
                walk.frame = Some(Frame {
                    precision,
                    height: u32::from(u16::from_be_bytes([h1, h0])),
                    width: u32::from(u16::from_be_bytes([w1, w0])),
                    components,
                });
                if until_frame {
                    return Ok(());
                }
            }
            0xE1 => {
                if let Some(tiff) = body.strip_prefix(b"Exif\0\0") {
                    // A broken EXIF block does not spoil the picture, and
                    // viewers ignore it too: fall back to "upright".
                    if let Some(o) = exif_orientation(tiff) {
                        walk.orientation = o;
                    }
                }
            }
            0xDA => {
                if walk.frame.is_none() {
                    return Err("scan (SOS) before the frame header (SOF)".to_owned());
                }
                pos = skip_entropy_data(data, pos);
            }
            _ => {}
        }
    }
}

/// Returns the position of the first real marker after entropy-coded data
/// (or the end of the data if there is none).
pub(super) fn skip_entropy_data(data: &[u8], mut pos: usize) -> usize {
    // Only 0xFF can start a marker; memchr finds the next one a vector
    // at a time, where a byte loop cost a millisecond per phone photo.
    while let Some(at) = data.get(pos..).and_then(|rest| memchr::memchr(0xFF, rest)) {
        pos += at;
        match data.get(pos + 1) {
            // Stuffed zero byte or restart marker: still inside the scan.
            Some(0x00 | 0xD0..=0xD7) => pos += 2,
            // Fill byte before a marker: let the caller skip it.
            _ => return pos,
        }
    }
    data.len().max(pos)
}

/// Reads tag 0x0112 (Orientation) from IFD0 of an EXIF TIFF block, in either
/// byte order. `None` if the block is malformed or has no valid tag.
fn exif_orientation(tiff: &[u8]) -> Option<u16> {
    let big_endian = match tiff.get(0..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    // Unsigned integer of `len` bytes at `at`, in the block's byte order.
    let uint_at = |at: usize, len: usize| -> Option<u32> {
        let bytes = tiff.get(at..at.checked_add(len)?)?;
        let fold = |acc: u32, &b: &u8| (acc << 8) | u32::from(b);
        Some(if big_endian {
            bytes.iter().fold(0, fold)
        } else {
            bytes.iter().rev().fold(0, fold)
        })
    };
    // Two bytes always fit in a u16.
    let u16_at = |at: usize| uint_at(at, 2).and_then(|v| u16::try_from(v).ok());
    if u16_at(2)? != 42 {
        return None;
    }
    let ifd = usize::try_from(uint_at(4, 4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    (0..count).find_map(|i| {
        let entry = ifd.checked_add(2 + 12 * i)?;
        // Tag 0x0112, type SHORT (3): the value sits in the entry itself.
        if u16_at(entry)? != 0x0112 || u16_at(entry + 2)? != 3 {
            return None;
        }
        u16_at(entry + 8).filter(|o| (1..=8).contains(o))
    })
}
