//! Reading a QR image as the app's camera would (QR-1): decode the PNG to grey levels,
//! find the QR grid and decode its text, so a check can compare it with the complete URL
//! rather than trust that any PNG is the right one. Bounded: images over a size limit
//! are refused before decoding.

/// Largest image side accepted, in pixels.
const MAX_SIDE: u32 = 4096;

/// The text of the QR code in a PNG image.
pub fn decode_qr_png(bytes: &[u8]) -> Result<String, String> {
    let mut decoder = png::Decoder::new(bytes);
    // Expand palettes and low bit depths to 8-bit samples, and drop 16-bit to 8.
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder
        .read_info()
        .map_err(|e| format!("not a readable PNG: {e}"))?;
    let (width, height) = (reader.info().width, reader.info().height);
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(format!("image of {width}x{height} pixels is out of bounds"));
    }
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader
        .next_frame(&mut pixels)
        .map_err(|e| format!("PNG data: {e}"))?;
    let channels = frame.color_type.samples();
    let stride = frame.line_size;
    // Peer data: out-of-range samples read as white rather than panic.
    let sample = |i: usize| u16::from(pixels.get(i).copied().unwrap_or(255));
    let grey = |x: usize, y: usize| -> u8 {
        let at = y * stride + x * channels;
        let level = match channels {
            1 | 2 => sample(at),
            _ => (sample(at) + sample(at + 1) + sample(at + 2)) / 3,
        };
        u8::try_from(level).unwrap_or(u8::MAX)
    };
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width as usize, height as usize, grey);
    let grids = image.detect_grids();
    let grid = grids.first().ok_or("no QR code found in the image")?;
    grid.decode()
        .map(|(_, text)| text)
        .map_err(|e| format!("QR code does not decode: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_server_qr_decodes_to_its_payload() {
        let text = "http://smc.swivelsecure.com/smc/complete/HARNESS01/alice/ABCD23EFGH";
        let png = swivel_reference_server::http::qr::qr_png(text).unwrap();
        assert_eq!(decode_qr_png(&png).unwrap(), text);
    }

    #[test]
    fn junk_is_refused_with_a_reason() {
        assert!(decode_qr_png(b"not a png").unwrap_err().contains("PNG"));
    }
}
