//! Configuration: `config.toml`, themes, key bindings and the folders they live in.

pub mod color_depth;
pub mod keymap;
pub mod palette;
pub mod paths;
pub mod settings;
pub mod theme;

pub use color_depth::ColorDepth;
pub use keymap::{Action, Keymap};
pub use settings::{Profile, Settings};
pub use theme::Theme;
