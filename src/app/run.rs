//! The event loop: waits on the terminal, the backend and a tick; drains what is queued; updates;
//! redraws only when something changed. Generic over the ratatui backend so tests can drive it.

use crossterm::event::{Event, KeyEventKind};
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use std::time::Duration;
use tokio::sync::mpsc;

use super::msg::{Effect, Msg};
use super::state::AppState;
use super::update::update;
use crate::backend::{BackendEvent, Command};
use crate::config::Theme;

/// How often the clock ticks (typing indicators expire on ticks).
const TICK: Duration = Duration::from_millis(500);
/// The least time between two frames after a key (about 60 a second), so typing feels immediate.
const FRAME: Duration = Duration::from_millis(16);
/// The least time between two frames when only news changed the screen (10 a second): a busy thread
/// is still followed as it happens, and drawing (over SSH, the bytes sent too) stays a small part of
/// the console's time however fast messages come.
const NEWS_FRAME: Duration = Duration::from_millis(100);

/// Why the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Quit,
    /// The terminal's event stream ended.
    InputClosed,
    /// SIGTERM or another stop signal.
    Stopped,
}

/// What reaches the terminal besides frames: copied text (OSC 52) and the bell; a buffer in tests.
pub trait TerminalSignals {
    fn copy(&mut self, text: &str);
    fn bell(&mut self);
}

pub struct EventLoop<B: Backend, C: TerminalSignals> {
    pub terminal: Terminal<B>,
    pub state: AppState,
    pub theme: Theme,
    pub commands: mpsc::Sender<Command>,
    pub events: mpsc::Receiver<BackendEvent>,
    pub clipboard: C,
}

fn now_ms() -> i64 {
    crate::acs::time::now_ms()
}

fn to_msg(event: Event) -> Option<Msg> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => Some(Msg::Key(key)),
        Event::Mouse(mouse) => Some(Msg::Mouse(mouse)),
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    }
}

impl<B: Backend, C: TerminalSignals> EventLoop<B, C> {
    /// Runs until the user quits, the input ends or `stop` resolves.
    pub async fn run<S, F>(&mut self, mut input: S, stop: F) -> std::io::Result<Exit>
    where
        S: Stream<Item = std::io::Result<Event>> + Unpin,
        F: std::future::Future<Output = ()>,
    {
        let size = self
            .terminal
            .size()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        self.state.size = (size.width, size.height);
        self.state.now_ms = now_ms();
        self.draw()?;
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        tokio::pin!(stop);
        let mut backend_open = true;
        // Frames are coalesced: at most one per FRAME after input and per NEWS_FRAME otherwise, the
        // last change always drawn.
        let mut last_frame = tokio::time::Instant::now();
        let mut frame_due = false;
        let mut frame_gap = NEWS_FRAME;
        loop {
            let mut batch = Vec::new();
            tokio::select! {
                _ = tokio::time::sleep_until(last_frame + frame_gap), if frame_due => {
                    self.draw()?;
                    last_frame = tokio::time::Instant::now();
                    frame_due = false;
                    continue;
                }
                event = input.next() => match event {
                    Some(Ok(e)) => batch.extend(to_msg(e)),
                    Some(Err(e)) => return Err(e),
                    None => return Ok(Exit::InputClosed),
                },
                event = self.events.recv(), if backend_open => match event {
                    Some(e) => batch.push(Msg::Backend(e)),
                    None => {
                        backend_open = false;
                        batch.push(Msg::Backend(BackendEvent::Failure {
                            what: crate::model::SafeText::new("The connection to ACS stopped."),
                            fix: crate::model::SafeText::new("Restart acs-interop; the log in the data folder says why."),
                        }));
                    }
                },
                _ = tick.tick() => batch.push(Msg::Tick(now_ms())),
                _ = &mut stop => return Ok(Exit::Stopped),
            }
            // Drain whatever else is already queued, so a burst costs one frame.
            while let Ok(e) = self.events.try_recv() {
                batch.push(Msg::Backend(e));
            }
            let input = batch.iter().any(|m| {
                matches!(
                    m,
                    Msg::Key(_) | Msg::Mouse(_) | Msg::Paste(_) | Msg::Resize(..)
                )
            });
            let mut dirty = false;
            for msg in batch {
                let before = matches!(msg, Msg::Tick(_)).then(|| tick_fingerprint(&self.state));
                let effects = update(&mut self.state, msg);
                dirty |= match before {
                    Some(fingerprint) => fingerprint != tick_fingerprint(&self.state),
                    None => true,
                };
                for effect in effects {
                    match effect {
                        Effect::Command(c) => self.send_command(c),
                        Effect::Copy(text) => self.clipboard.copy(&text),
                        Effect::Bell => self.clipboard.bell(),
                        Effect::Redraw => {
                            self.terminal
                                .clear()
                                .map_err(|e| std::io::Error::other(e.to_string()))?;
                            dirty = true;
                        }
                        Effect::Quit => {
                            // Never waits: a busy backend must not hold up leaving.
                            self.send_command(Command::Shutdown);
                            return Ok(Exit::Quit);
                        }
                    }
                }
            }
            if dirty || frame_due {
                if input || !frame_due {
                    frame_gap = if input { FRAME } else { NEWS_FRAME };
                }
                if last_frame.elapsed() >= frame_gap {
                    self.draw()?;
                    last_frame = tokio::time::Instant::now();
                    frame_due = false;
                } else {
                    frame_due = true;
                }
            }
        }
    }

    /// Hands a command to the backend without waiting: when its queue is full (the backend is busy
    /// with a slow network), the command waits in a task of its own, so keys keep working.
    fn send_command(&self, command: Command) {
        match self.commands.try_send(command) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(command)) => {
                let commands = self.commands.clone();
                tokio::spawn(async move {
                    if commands.send(command).await.is_err() {
                        tracing::warn!("the backend is gone; a command was dropped");
                    }
                });
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                tracing::warn!("the backend is gone; a command was dropped")
            }
        }
    }

    pub fn draw(&mut self) -> std::io::Result<()> {
        let (state, theme) = (&self.state, &self.theme);
        self.terminal
            .draw(|frame| crate::ui::view(state, theme, frame))
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(())
    }
}

/// What a tick can change: expired typing indicators and notices, the call's clock, an ended call
/// leaving the call bar, and the countdowns of throttled sends.
fn tick_fingerprint(state: &AppState) -> (usize, bool, Option<String>, u64) {
    let typing = state.views.values().map(|v| v.typing.len()).sum();
    let call = state.call.as_ref().map(|c| c.state_text(state.now_ms));
    let countdowns = state
        .views
        .values()
        .flat_map(|v| v.pending.iter())
        .filter_map(|p| p.retry_in_s(state.now_ms))
        .sum();
    (typing, state.notice.is_some(), call, countdowns)
}

/// The real terminal: text to the clipboard with OSC 52 (works over SSH where the terminal allows
/// it), and the BEL character.
pub struct Osc52;

impl TerminalSignals for Osc52 {
    fn bell(&mut self) {
        use std::io::Write;
        let mut out = std::io::stdout();
        let _ = out.write_all(b"\x07");
        let _ = out.flush();
    }

    fn copy(&mut self, text: &str) {
        use base64::Engine;
        use std::io::Write;
        let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
        let mut out = std::io::stdout();
        let _ = write!(out, "\x1b]52;c;{encoded}\x07");
        let _ = out.flush();
    }
}

/// The real terminal: raw mode, alternate screen, mouse and bracketed paste; restored on drop, on
/// panic (through the hook) and on every return path.
pub struct TerminalGuard;

impl TerminalGuard {
    pub fn enter() -> std::io::Result<TerminalGuard> {
        use crossterm::{event, execute, terminal};
        terminal::enable_raw_mode()?;
        let guard = TerminalGuard;
        execute!(
            std::io::stdout(),
            terminal::EnterAlternateScreen,
            event::EnableMouseCapture,
            event::EnableBracketedPaste
        )?;
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            previous(info);
        }));
        Ok(guard)
    }
}

/// Puts the terminal back as it was; safe to call more than once.
pub fn restore_terminal() {
    use crossterm::{cursor, event, execute, terminal};
    let _ = execute!(
        std::io::stdout(),
        event::DisableBracketedPaste,
        event::DisableMouseCapture,
        terminal::LeaveAlternateScreen,
        cursor::Show
    );
    let _ = terminal::disable_raw_mode();
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Keymap;
    use crate::model::RealtimeState;
    use ratatui::backend::TestBackend;

    struct Quiet;

    impl TerminalSignals for Quiet {
        fn copy(&mut self, _: &str) {}
        fn bell(&mut self) {}
    }

    /// Runs the loop while `feed` sends it backend events, then stops it; returns the frames drawn.
    async fn frames_while(
        feed: impl std::future::Future<Output = ()>,
        events: mpsc::Receiver<BackendEvent>,
    ) -> usize {
        let (commands, _command_rx) = mpsc::channel(64);
        let mut console = EventLoop {
            terminal: Terminal::new(TestBackend::new(80, 24)).expect("a terminal"),
            state: AppState::new(Keymap::default()),
            theme: Theme::default_dark(),
            commands,
            events,
            clipboard: Quiet,
        };
        let input = futures_util::stream::pending::<std::io::Result<Event>>();
        console.run(input, feed).await.expect("the loop runs");
        console.terminal.get_frame().count()
    }

    #[tokio::test]
    async fn a_second_of_news_every_ten_milliseconds_costs_at_most_about_ten_frames() {
        let (tx, rx) = mpsc::channel(1024);
        let feed = async move {
            for _ in 0..100 {
                let _ = tx.send(BackendEvent::Realtime(RealtimeState::Live)).await;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let started = std::time::Instant::now();
        let frames = frames_while(feed, rx).await;
        // One frame per 100 ms at the most (a loaded machine stretches the second), plus the first
        // and the last; at 60 a second it would be about six times as many.
        let most = started.elapsed().as_millis() as usize / 100 + 2;
        assert!(
            (3..=most).contains(&frames),
            "{frames} frames, at most {most}"
        );
    }
}
