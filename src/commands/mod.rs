//! Headless commands for scripts: `acs-interop chat ...`, `teams ...`, `doctor ...` and `call ...`.

pub mod call;
pub mod chat;
pub mod doctor;
pub mod endpoint;
pub mod faults;
pub mod teams;

/// Prints a line on standard output, going on when nobody reads it any more (`| head`): a closed
/// pipe must not stop a command halfway, let alone panic it.
pub fn print_line(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

/// [`print_line`] with `format!` arguments.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::commands::print_line(&format!($($arg)*))
    };
}
