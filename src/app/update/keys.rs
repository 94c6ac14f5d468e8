//! Keys, mouse and paste.

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use super::backend::open_thread;
use super::{TYPING_SEND_INTERVAL_MS, fail, scroll};
use super::{command_line, inputs, observe, seek, selection, switcher, thread_list};
use crate::app::msg::Effect;
use crate::app::seek::SeekTarget;
use crate::app::state::{AppState, CommandLine, Confirmation, Focus, HeldWrite, Overlay};
use crate::backend::Command;
use crate::config::Action;
use crate::model::{PendingSend, SendState};
use crate::ui::layout;

/// A paste larger than this asks before it lands in the composer.
pub const LARGE_PASTE_CHARS: usize = 2_000;
pub const LARGE_PASTE_LINES: usize = 30;
/// Lines the mouse wheel scrolls.
const WHEEL_LINES: usize = 3;

pub fn on_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    // Ctrl-C always quits, whatever the bindings say.
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        return vec![Effect::Quit];
    }
    // Keys with Ctrl work everywhere, the composer included (not over a question or an input).
    if (key.modifiers.contains(KeyModifiers::CONTROL) || matches!(key.code, KeyCode::F(_)))
        && matches!(state.overlay, Overlay::None | Overlay::Help(_))
    {
        match state.keymap.pane_action(&key) {
            Some(Action::Redraw) => return vec![Effect::Redraw],
            Some(Action::QuickSwitch) => {
                state.overlay = Overlay::Switcher(Default::default());
                return Vec::new();
            }
            Some(Action::Inspect) => {
                super::inspector::open(state);
                return Vec::new();
            }
            Some(Action::ThreadState) => return super::thread_state::open(state),
            _ => {}
        }
    }
    match state.overlay.clone() {
        Overlay::Help(offset) => return inputs::on_help_key(state, offset, key),
        Overlay::CommandLine(line) => return command_line::on_key(state, line, key),
        Overlay::Confirm(question) => return on_confirm_key(state, question, key),
        Overlay::Search(line) => return inputs::on_search_key(state, line, key),
        Overlay::Switcher(switcher) => return switcher::on_key(state, switcher, key),
        Overlay::Inspector(inspector) => return super::inspector::on_key(state, inspector, key),
        Overlay::State(scroll) => return super::thread_state::on_key(state, scroll, key),
        Overlay::WhoAmI => {
            state.overlay = Overlay::None;
            return Vec::new();
        }
        Overlay::None => {}
    }
    if state.focus == Focus::Composer {
        return on_composer_key(state, key);
    }
    let Some(action) = state.keymap.pane_action(&key) else {
        if key.code == KeyCode::Esc {
            on_escape(state);
        }
        return Vec::new();
    };
    on_pane_action(state, action)
}

/// Esc outside the composer: stops loading, then clears the search, then the error.
fn on_escape(state: &mut AppState) {
    if seek::cancel(state) {
        return;
    }
    if let Some(view) = state
        .open_thread
        .clone()
        .and_then(|t| state.views.get_mut(&t))
        && view.search.take().is_some()
    {
        return;
    }
    state.error = None;
}

fn on_pane_action(state: &mut AppState, action: Action) -> Vec<Effect> {
    match action {
        Action::Quit => return vec![Effect::Quit],
        Action::Help => state.overlay = Overlay::Help(0),
        Action::CommandLine => state.overlay = Overlay::CommandLine(CommandLine::default()),
        Action::FocusNext => state.focus = cycle(state, true),
        Action::FocusPrevious => state.focus = cycle(state, false),
        Action::FocusComposer => state.focus = Focus::Composer,
        Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::Top
        | Action::Bottom
            if state.focus == Focus::Threads =>
        {
            thread_list::move_cursor(state, action)
        }
        Action::Up | Action::Down if state.focus == Focus::Messages => {
            return selection::step(state, action == Action::Up);
        }
        Action::Up | Action::Down => {}
        Action::PageUp => return selection::page(state, true),
        Action::PageDown => return selection::page(state, false),
        Action::Top => return seek::start(state, SeekTarget::Start),
        Action::Bottom => return selection::follow_newest(state),
        Action::Search if state.focus == Focus::Threads => {
            state.overlay = Overlay::Switcher(Default::default());
        }
        Action::Search => state.overlay = Overlay::Search(CommandLine::default()),
        Action::NextHit => return seek::next_hit(state, true),
        Action::PreviousHit => return seek::next_hit(state, false),
        Action::QuickSwitch => state.overlay = Overlay::Switcher(Default::default()),
        Action::Redraw => return vec![Effect::Redraw],
        Action::Inspect => super::inspector::open(state),
        Action::ThreadState => return super::thread_state::open(state),
        Action::Open => {
            if state.focus == Focus::Threads
                && let Some(id) = state.threads.get(state.thread_cursor).map(|t| t.id.clone())
            {
                let effects = open_thread(state, &id);
                state.focus = Focus::Composer;
                return effects;
            }
            if state.focus == Focus::Messages {
                state.focus = Focus::Composer;
            }
        }
        Action::Copy => return copy_selected(state),
        Action::DismissBanner => super::calls::dismiss_banner(state),
        Action::Retry => return retry_failed(state),
        Action::Send
        | Action::Newline
        | Action::EditLast
        | Action::HistoryPrevious
        | Action::HistoryNext => {}
    }
    Vec::new()
}

/// The next pane for Tab: every pane at every size (a folded one opens over the messages).
fn cycle(state: &AppState, forward: bool) -> Focus {
    let order = [Focus::Threads, Focus::Messages, Focus::Participants];
    // The composer is reached with i or Enter and left with Esc: Tab types a tab there.
    let i = order.iter().position(|f| *f == state.focus).unwrap_or(0);
    let n = order.len();
    order[if forward {
        (i + 1) % n
    } else {
        (i + n - 1) % n
    }]
}

fn copy_selected(state: &mut AppState) -> Vec<Effect> {
    let Some(view) = state.open_view() else {
        return Vec::new();
    };
    let message = selection::target(view).and_then(|o| view.messages.get(&o));
    let Some(message) = message else {
        return Vec::new();
    };
    // Attachment labels are followed by their links, as the message carried them, to open where a
    // browser is; the links answer only with a participant's token, which `:save` uses.
    let text = crate::text::clipboard_text(&message.body_lines());
    let links = message
        .attachments
        .iter()
        .filter(|a| a.link().is_some())
        .count();
    let notice = if links == 0 {
        "Copied the message (OSC 52).".to_string()
    } else {
        format!(
            "Copied the message and {links} attachment link(s) (OSC 52); :save downloads them with your token."
        )
    };
    super::notify(state, &notice);
    vec![Effect::Copy(text)]
}

pub fn retry_failed(state: &mut AppState) -> Vec<Effect> {
    let Some(thread_id) = state.open_thread.clone() else {
        return Vec::new();
    };
    let failed = state.views.get(&thread_id).is_some_and(|v| {
        v.pending
            .iter()
            .any(|p| matches!(p.state, SendState::Failed { .. }))
    });
    if failed && observe::ask(state, "Send again", HeldWrite::Retry) {
        return Vec::new();
    }
    let Some(view) = state.views.get_mut(&thread_id) else {
        return Vec::new();
    };
    let mut effects = Vec::new();
    let now = state.now_ms;
    for p in view
        .pending
        .iter_mut()
        .filter(|p| matches!(p.state, SendState::Failed { .. }))
    {
        p.state = SendState::Sending;
        p.state_ms = now;
        effects.push(Effect::Command(Command::RetrySend {
            thread_id: thread_id.clone(),
            client_id: p.client_id.clone(),
        }));
    }
    if effects.is_empty() {
        super::notify(state, "Nothing to retry in this thread.");
    }
    effects
}

fn on_confirm_key(state: &mut AppState, question: Confirmation, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Char('y') | KeyCode::Char('Y') => {
            state.overlay = Overlay::None;
            match question {
                Confirmation::LargePaste { text } => {
                    state.composer.textarea.insert_str(&text);
                    Vec::new()
                }
                Confirmation::DeleteThread { thread_id, .. } => {
                    vec![Effect::Command(Command::DeleteThread { thread_id })]
                }
                Confirmation::ActAs { write, .. } => {
                    let mut effects = vec![observe::act(state)];
                    match write {
                        HeldWrite::Composer => effects.extend(send_composer(state)),
                        HeldWrite::Retry => effects.extend(retry_failed(state)),
                        HeldWrite::Commands(commands) => {
                            effects.extend(commands.into_iter().map(Effect::Command))
                        }
                    }
                    effects
                }
            }
        }
        KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
            state.overlay = Overlay::None;
            if matches!(question, Confirmation::ActAs { .. }) {
                super::notify(state, "Not sent (observing).");
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn on_composer_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    match state.keymap.composer_action(&key) {
        Some(Action::Send) => return send_composer(state),
        Some(Action::Newline) => {
            state.composer.textarea.insert_newline();
            return Vec::new();
        }
        Some(Action::EditLast) if state.composer.is_empty() => {
            command_line::edit_last(state);
            return Vec::new();
        }
        Some(Action::HistoryPrevious) => {
            walk_history(state, true);
            return Vec::new();
        }
        Some(Action::HistoryNext) => {
            walk_history(state, false);
            return Vec::new();
        }
        _ => {}
    }
    if key.code == KeyCode::Esc {
        if state.composer.editing.is_some() {
            state.composer.clear();
            state.notice = None;
        }
        state.focus = Focus::Messages;
        return Vec::new();
    }
    // Esc followed quickly by a key reaches us as Alt+key (terminals send both as ESC then the key),
    // with Shift for some characters: leave the composer and let the key act, so that a fast
    // "Esc :" opens the command line and "Esc Tab" moves on, never typing into the message.
    if key.modifiers.contains(KeyModifiers::ALT) && !key.modifiers.contains(KeyModifiers::CONTROL) {
        state.focus = Focus::Messages;
        let without_alt = key.modifiers - KeyModifiers::ALT;
        return on_key(state, KeyEvent::new(key.code, without_alt));
    }
    let before = state.composer.textarea.lines().to_vec();
    if key.code == KeyCode::Char('u') && key.modifiers == KeyModifiers::CONTROL {
        // Ctrl+U clears the line up to the cursor, as in a shell (not the editor's undo).
        state.composer.textarea.delete_line_by_head();
    } else {
        state.composer.textarea.input(key);
    }
    let changed = state.composer.textarea.lines() != before.as_slice();
    if changed && !state.composer.is_empty() {
        return typing_notification(state).into_iter().collect();
    }
    Vec::new()
}

/// At most one typing notification per interval while composing in a thread.
fn typing_notification(state: &mut AppState) -> Option<Effect> {
    let thread_id = state.open_thread.clone()?;
    if state.composer.editing.is_some() {
        return None;
    }
    if state
        .typing_sent_ms
        .is_some_and(|t| state.now_ms - t < TYPING_SEND_INTERVAL_MS)
    {
        return None;
    }
    // Observing, the observed user is not typing (the emulator's Teams side may be).
    if state.identity_mode.is_observing() && state.speaking_as.is_none() {
        return None;
    }
    state.typing_sent_ms = Some(state.now_ms);
    if let Some((who, _)) = &state.speaking_as {
        return Some(Effect::Command(Command::TypeAsTeams {
            thread_id,
            who: who.clone(),
        }));
    }
    Some(Effect::Command(Command::Typing { thread_id }))
}

fn walk_history(state: &mut AppState, back: bool) {
    let n = state.composer.history.len();
    if n == 0 {
        return;
    }
    let index = match (state.composer.history_index, back) {
        (None, true) => Some(n - 1),
        (None, false) => None,
        (Some(i), true) => Some(i.saturating_sub(1)),
        (Some(i), false) if i + 1 < n => Some(i + 1),
        (Some(_), false) => None,
    };
    let text = index
        .and_then(|i| state.composer.history.get(i).cloned())
        .unwrap_or_default();
    state.composer.set_text(&text);
    state.composer.history_index = index;
}

fn send_composer(state: &mut AppState) -> Vec<Effect> {
    let text = state.composer.text();
    if text.trim().is_empty() {
        return Vec::new();
    }
    let Some(thread_id) = state.open_thread.clone() else {
        fail(
            state,
            "There is no thread to send to.",
            "Create one with :new <topic>.",
        );
        return Vec::new();
    };
    if state.open_summary().is_some_and(|t| t.deleted) {
        fail(
            state,
            "This thread was deleted; nothing can be sent to it.",
            "Start a new one with :new <topic>.",
        );
        return Vec::new();
    }
    let what = if state.composer.editing.is_some() {
        "Save the edit"
    } else {
        "Send"
    };
    if state.speaking_as.is_none() && observe::ask(state, what, HeldWrite::Composer) {
        return Vec::new();
    }
    if state.composer.history.last() != Some(&text) {
        state.composer.history.push(text.clone());
    }
    if let Some((edit_thread, message_id)) = state.composer.editing.take() {
        state.composer.clear();
        state.notice = None;
        return vec![Effect::Command(Command::EditMessage {
            thread_id: edit_thread,
            message_id,
            content: text,
        })];
    }
    state.composer.clear();
    if let Some((who, _)) = &state.speaking_as {
        state.typing_sent_ms = None;
        return vec![Effect::Command(Command::SendAsTeams {
            thread_id,
            who: who.clone(),
            content: text,
        })];
    }
    state.sends += 1;
    let client_id = format!("{}-{}", state.client_id_prefix, state.sends);
    let now = state.now_ms;
    let view = state.views.entry(thread_id.clone()).or_default();
    view.pending.push(PendingSend {
        client_id: client_id.clone(),
        content: text.clone(),
        created_ms: now,
        state: SendState::Sending,
        state_ms: now,
    });
    view.scroll = Default::default();
    view.selected = None;
    view.seek = None;
    state.typing_sent_ms = None;
    vec![Effect::Command(Command::SendMessage {
        thread_id,
        client_id,
        content: text,
    })]
}

pub fn on_paste(state: &mut AppState, text: String) -> Vec<Effect> {
    if let Overlay::CommandLine(mut line) = state.overlay.clone() {
        line.input.push_str(&text.replace(['\n', '\r'], " "));
        state.overlay = Overlay::CommandLine(line);
        return Vec::new();
    }
    state.focus = Focus::Composer;
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    if text.chars().count() > LARGE_PASTE_CHARS || text.lines().count() > LARGE_PASTE_LINES {
        state.overlay = Overlay::Confirm(Confirmation::LargePaste { text });
        return Vec::new();
    }
    state.composer.textarea.insert_str(&text);
    typing_notification(state).into_iter().collect()
}

pub fn on_mouse(state: &mut AppState, mouse: MouseEvent) -> Vec<Effect> {
    // Over an overlay the mouse acts on nothing underneath.
    if state.overlay != Overlay::None {
        return Vec::new();
    }
    let panes = crate::ui::current_layout(state);
    let at = ratatui::layout::Position::new(mouse.column, mouse.row);
    match mouse.kind {
        MouseEventKind::ScrollUp if panes.messages.contains(at) => {
            seek::drop_seek(state);
            let effects = scroll::scroll_up(state, WHEEL_LINES).into_iter().collect();
            selection::adopt_visible(state, false);
            effects
        }
        MouseEventKind::ScrollDown if panes.messages.contains(at) => {
            scroll::scroll_down(state, WHEEL_LINES);
            if state.open_view().is_some_and(|v| v.scroll.anchor.is_none()) {
                return selection::follow_newest(state);
            }
            selection::adopt_visible(state, false);
            Vec::new()
        }
        MouseEventKind::Down(MouseButton::Left) => {
            if let Some(threads) = panes.threads
                && threads.contains(at)
            {
                // Each thread takes two rows inside the border.
                let row = usize::from(mouse.row.saturating_sub(threads.y + 1)) / 2;
                let index = row + layout::thread_list_offset(state.thread_cursor, threads.height);
                if let Some(id) = state.threads.get(index).map(|t| t.id.clone()) {
                    state.focus = Focus::Composer;
                    return open_thread(state, &id);
                }
            } else if panes.composer.contains(at) {
                state.focus = Focus::Composer;
            } else if panes.messages.contains(at) {
                state.focus = Focus::Messages;
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}
