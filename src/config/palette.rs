//! Colour arithmetic for themes: the xterm default palette as RGB and the WCAG contrast ratio between two
//! colours.

use ratatui::style::Color;

/// A concrete 24-bit colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// The 16 ANSI colours in index order, by their ratatui names.
pub const ANSI: [Color; 16] = [
    Color::Black,
    Color::Red,
    Color::Green,
    Color::Yellow,
    Color::Blue,
    Color::Magenta,
    Color::Cyan,
    Color::Gray,
    Color::DarkGray,
    Color::LightRed,
    Color::LightGreen,
    Color::LightYellow,
    Color::LightBlue,
    Color::LightMagenta,
    Color::LightCyan,
    Color::White,
];

/// xterm's defaults for the 16 ANSI colours. Terminals may redefine them; these are the reference.
const XTERM_16: [Rgb; 16] = [
    Rgb(0x00, 0x00, 0x00),
    Rgb(0xcd, 0x00, 0x00),
    Rgb(0x00, 0xcd, 0x00),
    Rgb(0xcd, 0xcd, 0x00),
    Rgb(0x00, 0x00, 0xee),
    Rgb(0xcd, 0x00, 0xcd),
    Rgb(0x00, 0xcd, 0xcd),
    Rgb(0xe5, 0xe5, 0xe5),
    Rgb(0x7f, 0x7f, 0x7f),
    Rgb(0xff, 0x00, 0x00),
    Rgb(0x00, 0xff, 0x00),
    Rgb(0xff, 0xff, 0x00),
    Rgb(0x5c, 0x5c, 0xff),
    Rgb(0xff, 0x00, 0xff),
    Rgb(0x00, 0xff, 0xff),
    Rgb(0xff, 0xff, 0xff),
];

const CUBE_LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];

/// The RGB value of an xterm-256 index: the 16 ANSI colours, the 6×6×6 cube, then 24 greys.
pub fn indexed_rgb(index: u8) -> Rgb {
    match index {
        0..=15 => XTERM_16[usize::from(index)],
        16..=231 => {
            let i = index - 16;
            Rgb(
                CUBE_LEVELS[usize::from(i / 36)],
                CUBE_LEVELS[usize::from(i / 6 % 6)],
                CUBE_LEVELS[usize::from(i % 6)],
            )
        }
        232..=255 => {
            let level = 8 + 10 * (index - 232);
            Rgb(level, level, level)
        }
    }
}

/// The RGB value of a colour under the xterm default palette; `None` for `Reset`, which is whatever the
/// terminal's default is.
pub fn to_rgb(color: Color) -> Option<Rgb> {
    match color {
        Color::Reset => None,
        Color::Rgb(r, g, b) => Some(Rgb(r, g, b)),
        Color::Indexed(i) => Some(indexed_rgb(i)),
        named => ANSI.iter().position(|c| *c == named).map(|i| XTERM_16[i]),
    }
}

/// WCAG relative luminance: sRGB channels made linear, then weighted.
pub fn relative_luminance(rgb: Rgb) -> f64 {
    let linear = |c: u8| {
        let s = f64::from(c) / 255.0;
        if s <= 0.04045 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(rgb.0) + 0.7152 * linear(rgb.1) + 0.0722 * linear(rgb.2)
}

/// The WCAG contrast ratio, from 1 (none) to 21 (black on white), whichever colour is lighter.
pub fn contrast_ratio(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (relative_luminance(a), relative_luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_256_palette_follows_xterm() {
        assert_eq!(indexed_rgb(9), Rgb(255, 0, 0));
        assert_eq!(indexed_rgb(16), Rgb(0, 0, 0));
        assert_eq!(indexed_rgb(196), Rgb(255, 0, 0));
        assert_eq!(indexed_rgb(110), Rgb(135, 175, 215));
        assert_eq!(indexed_rgb(231), Rgb(255, 255, 255));
        assert_eq!(indexed_rgb(232), Rgb(8, 8, 8));
        assert_eq!(indexed_rgb(255), Rgb(238, 238, 238));
        assert_eq!(to_rgb(Color::Gray), Some(Rgb(0xe5, 0xe5, 0xe5)));
        assert_eq!(to_rgb(Color::Reset), None);
    }

    #[test]
    fn contrast_follows_wcag() {
        let black = Rgb(0, 0, 0);
        let white = Rgb(255, 255, 255);
        assert!((contrast_ratio(black, white) - 21.0).abs() < 1e-9);
        assert!((contrast_ratio(white, white) - 1.0).abs() < 1e-9);
        // #767676 is the lightest grey that passes AA on white.
        let ratio = contrast_ratio(Rgb(0x76, 0x76, 0x76), white);
        assert!((4.5..4.6).contains(&ratio), "{ratio}");
    }
}
