//! Colour arithmetic for themes: the xterm default palette as RGB, the nearest palette entry to a colour,
//! and the WCAG contrast ratio between two colours.

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

/// A simple perceptual distance ("redmean" weighted Euclidean, squared): cheap, and closer to what the
/// eye sees than plain RGB distance.
fn distance(a: Rgb, b: Rgb) -> i64 {
    let mean_r = (i64::from(a.0) + i64::from(b.0)) / 2;
    let dr = i64::from(a.0) - i64::from(b.0);
    let dg = i64::from(a.1) - i64::from(b.1);
    let db = i64::from(a.2) - i64::from(b.2);
    (((512 + mean_r) * dr * dr) >> 8) + 4 * dg * dg + (((767 - mean_r) * db * db) >> 8)
}

/// The nearest xterm-256 index outside the 16 ANSI colours, which terminals often redefine.
pub fn nearest_256(rgb: Rgb) -> u8 {
    (16..=255u8)
        .min_by_key(|i| distance(rgb, indexed_rgb(*i)))
        .unwrap_or(16)
}

/// The nearest of the 16 ANSI colours.
pub fn nearest_16(rgb: Rgb) -> Color {
    ANSI.iter()
        .zip(XTERM_16)
        .min_by_key(|(_, ansi)| distance(rgb, *ansi))
        .map_or(Color::Reset, |(color, _)| *color)
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
    fn colours_map_to_the_nearest_256_index() {
        assert_eq!(nearest_256(Rgb(255, 0, 0)), 196);
        assert_eq!(nearest_256(Rgb(0, 0, 0)), 16);
        assert_eq!(nearest_256(Rgb(255, 255, 255)), 231);
        assert_eq!(nearest_256(Rgb(0x80, 0x80, 0x80)), 244);
        assert_eq!(nearest_256(Rgb(0x00, 0x64, 0x00)), 22);
        assert_eq!(nearest_256(Rgb(0xff, 0xe0, 0x8a)), 222);
    }

    #[test]
    fn colours_map_to_the_nearest_ansi_colour() {
        // ratatui calls xterm's bright red (#ff0000) LightRed; Red is #cd0000.
        assert_eq!(nearest_16(Rgb(255, 0, 0)), Color::LightRed);
        assert_eq!(nearest_16(Rgb(0xc0, 0x10, 0x10)), Color::Red);
        assert_eq!(nearest_16(Rgb(0, 0, 0x80)), Color::Blue);
        assert_eq!(nearest_16(Rgb(0x30, 0x30, 0x30)), Color::Black);
        assert_eq!(nearest_16(Rgb(0x80, 0x80, 0x80)), Color::DarkGray);
        assert_eq!(nearest_16(Rgb(0xe0, 0xe0, 0xe0)), Color::Gray);
        assert_eq!(nearest_16(Rgb(0xf8, 0xf8, 0xf8)), Color::White);
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
