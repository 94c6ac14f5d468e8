//! What `update` takes and what it asks for.

use crossterm::event::{KeyEvent, MouseEvent};

use crate::backend::BackendEvent;
use crate::backend::Command;

/// An input to `update`: a terminal event, the clock, or news from the backend.
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Paste(String),
    Resize(u16, u16),
    /// The time now, in epoch milliseconds.
    Tick(i64),
    Backend(BackendEvent),
}

/// What `update` asks the event loop to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Command(Command),
    /// Put text on the clipboard with OSC 52, which works over SSH.
    Copy(String),
    /// Ring the terminal bell (recording or transcription started).
    Bell,
    /// Clear the terminal and draw everything again (Ctrl+L).
    Redraw,
    Quit,
}
