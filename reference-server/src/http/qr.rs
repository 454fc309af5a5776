//! QR-code rendering for provisioning links: turns a short text payload (typically a
//! provisioning URL) into a black-on-white 8-bit grayscale PNG. This module only renders;
//! routing and deciding what goes into the payload belong to the HTTP handlers.

use qrcode::{Color, QrCode};

/// Longest payload, in bytes, that [`qr_png`] accepts. Provisioning links are far shorter;
/// the cap keeps a hostile request from making the server render a huge image.
pub const MAX_QR_PAYLOAD: usize = 1024;

/// Blank modules around the symbol; 4 is the minimum the QR specification requires for
/// scanners to find the finder patterns reliably.
const QUIET_ZONE: usize = 4;

/// Pixels per module edge. Fixed so the output size depends only on the payload.
const SCALE: usize = 4;

const BLACK: u8 = 0x00;
const WHITE: u8 = 0xFF;

/// Why a QR image could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("QR payload is empty")]
    Empty,
    #[error("QR payload of {0} bytes is too long (at most {1})")]
    TooLong(usize, usize),
    #[error("QR encoding failed: {0}")]
    Encode(String),
    #[error("PNG encoding of the QR code failed: {0}")]
    Png(String),
}

/// Side length in pixels of the PNG that [`qr_png`] renders for a symbol of `modules`
/// modules per side.
pub fn qr_image_width(modules: usize) -> usize {
    (modules + 2 * QUIET_ZONE) * SCALE
}

/// Renders `payload` as a QR code (error-correction level M) in a square grayscale PNG
/// with a 4-module quiet zone and 4 pixels per module.
pub fn qr_png(payload: &str) -> Result<Vec<u8>, QrError> {
    if payload.is_empty() {
        return Err(QrError::Empty);
    }
    if payload.len() > MAX_QR_PAYLOAD {
        return Err(QrError::TooLong(payload.len(), MAX_QR_PAYLOAD));
    }

    let code = QrCode::new(payload.as_bytes()).map_err(|e| QrError::Encode(e.to_string()))?;
    let modules = code.width();
    let colors = code.into_colors();
    let side = qr_image_width(modules);
    let side_u32 = u32::try_from(side)
        .map_err(|_| QrError::Png(format!("image side of {side} pixels does not fit in u32")))?;

    // Start all white so the quiet zone needs no extra work, then paint dark modules.
    let mut pixels = vec![WHITE; side * side];
    for (index, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (row, col) = (index / modules, index % modules);
        let top = (row + QUIET_ZONE) * SCALE;
        let left = (col + QUIET_ZONE) * SCALE;
        for y in top..top + SCALE {
            let start = y * side + left;
            pixels[start..start + SCALE].fill(BLACK);
        }
    }

    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, side_u32, side_u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| QrError::Png(e.to_string()))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| QrError::Png(e.to_string()))?;
        writer.finish().map_err(|e| QrError::Png(e.to_string()))?;
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1A, b'\n'];
    const LINK: &str = "http://smc.swivelsecure.com/smc/complete/SITE/alice/ABC";

    fn decode(bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
        let decoder = png::Decoder::new(bytes);
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info, buf)
    }

    #[test]
    fn renders_square_grayscale_png_of_expected_size() {
        let bytes = qr_png(LINK).unwrap();
        assert_eq!(bytes[..8], PNG_SIGNATURE);

        let modules = QrCode::new(LINK.as_bytes()).unwrap().width();
        let (info, pixels) = decode(&bytes);
        let expected = u32::try_from(qr_image_width(modules)).unwrap();
        assert_eq!(info.width, expected);
        assert_eq!(info.height, expected);
        assert_eq!(info.color_type, png::ColorType::Grayscale);
        assert_eq!(info.bit_depth, png::BitDepth::Eight);

        let side = qr_image_width(modules);
        // Quiet zone is white; the top-left finder pattern starts with a dark module.
        assert!(
            pixels[..side * QUIET_ZONE * SCALE]
                .iter()
                .all(|&p| p == WHITE)
        );
        let finder = QUIET_ZONE * SCALE * side + QUIET_ZONE * SCALE;
        assert_eq!(pixels[finder], BLACK);
        assert!(pixels.iter().all(|&p| p == WHITE || p == BLACK));
    }

    #[test]
    fn empty_payload_is_rejected() {
        assert!(matches!(qr_png(""), Err(QrError::Empty)));
    }

    #[test]
    fn too_long_payload_is_rejected() {
        let long = "a".repeat(MAX_QR_PAYLOAD + 1);
        match qr_png(&long) {
            Err(QrError::TooLong(len, max)) => {
                assert_eq!(len, MAX_QR_PAYLOAD + 1);
                assert_eq!(max, MAX_QR_PAYLOAD);
            }
            other => panic!("expected TooLong, got {other:?}"),
        }
        // The limit itself is still renderable.
        assert!(qr_png(&"a".repeat(MAX_QR_PAYLOAD)).is_ok());
    }
}
