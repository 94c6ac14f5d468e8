//! How many colours the terminal shows, read from the environment at launch, and how a theme colour is
//! brought down to that many: a 24-bit colour sent to a terminal without it (e.g. under `TERM=screen`)
//! comes out as something else or nothing.

use ratatui::style::Color;

use super::palette::{self, Rgb};

/// What the terminal can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorDepth {
    /// 24-bit colour.
    TrueColor,
    /// The xterm 256-colour palette.
    Indexed256,
    /// The 16 ANSI colours.
    Ansi16,
    /// No colour at all (`NO_COLOR`).
    Monochrome,
}

impl ColorDepth {
    /// The colour depth from the environment's `NO_COLOR` (set and not empty), `COLORTERM` and `TERM`.
    /// Terminals that do not say anything get 16 colours, which every colour terminal shows.
    pub fn detect(no_color: bool, colorterm: Option<&str>, term: Option<&str>) -> ColorDepth {
        if no_color {
            return ColorDepth::Monochrome;
        }
        let colorterm = colorterm.map(str::trim).unwrap_or_default();
        if colorterm.eq_ignore_ascii_case("truecolor") || colorterm.eq_ignore_ascii_case("24bit") {
            ColorDepth::TrueColor
        } else if term.is_some_and(|t| t.contains("256color")) {
            ColorDepth::Indexed256
        } else {
            ColorDepth::Ansi16
        }
    }

    /// The colour this depth shows for `color`: the nearest palette entry when the terminal cannot show
    /// it as it is. Under `Monochrome` colours are left alone; the theme drops them as a whole.
    pub fn reduce(self, color: Color) -> Color {
        match (self, color) {
            (ColorDepth::Indexed256, Color::Rgb(r, g, b)) => {
                Color::Indexed(palette::nearest_256(Rgb(r, g, b)))
            }
            (ColorDepth::Ansi16, Color::Rgb(r, g, b)) => palette::nearest_16(Rgb(r, g, b)),
            (ColorDepth::Ansi16, Color::Indexed(i)) if i >= 16 => {
                palette::nearest_16(palette::indexed_rgb(i))
            }
            _ => color,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_comes_from_colorterm_then_term() {
        let detect = ColorDepth::detect;
        assert_eq!(
            detect(false, Some("truecolor"), Some("xterm-256color")),
            ColorDepth::TrueColor
        );
        assert_eq!(detect(false, Some("24bit"), None), ColorDepth::TrueColor);
        assert_eq!(
            detect(false, None, Some("xterm-256color")),
            ColorDepth::Indexed256
        );
        assert_eq!(
            detect(false, Some(""), Some("screen-256color")),
            ColorDepth::Indexed256
        );
        assert_eq!(detect(false, None, Some("screen")), ColorDepth::Ansi16);
        assert_eq!(
            detect(false, Some("yes"), Some("xterm")),
            ColorDepth::Ansi16
        );
        assert_eq!(detect(false, None, None), ColorDepth::Ansi16);
        assert_eq!(
            detect(true, Some("truecolor"), Some("xterm-256color")),
            ColorDepth::Monochrome
        );
    }

    #[test]
    fn only_colours_the_terminal_cannot_show_are_reduced() {
        let red = Color::Rgb(255, 0, 0);
        assert_eq!(ColorDepth::TrueColor.reduce(red), red);
        assert_eq!(ColorDepth::Indexed256.reduce(red), Color::Indexed(196));
        assert_eq!(ColorDepth::Ansi16.reduce(red), Color::LightRed);
        assert_eq!(
            ColorDepth::Ansi16.reduce(Color::Indexed(196)),
            Color::LightRed
        );
        for depth in [ColorDepth::Indexed256, ColorDepth::Ansi16] {
            assert_eq!(depth.reduce(Color::Cyan), Color::Cyan);
            assert_eq!(depth.reduce(Color::Reset), Color::Reset);
            assert_eq!(depth.reduce(Color::Indexed(3)), Color::Indexed(3));
        }
        assert_eq!(
            ColorDepth::Indexed256.reduce(Color::Indexed(100)),
            Color::Indexed(100)
        );
    }
}
