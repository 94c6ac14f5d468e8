//! Pure view functions: `view(&AppState, &Theme, &mut Frame)` draws the console, one file per pane.

mod banner;
pub mod blocks;
mod call_bar;
mod composer;
mod inspector;
pub mod layout;
mod messages;
mod overlays;
mod participants;
pub mod status;
mod thread_state;
mod threads;

use ratatui::Frame;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Block, Borders};

use crate::app::state::{AppState, Focus, Overlay};
use crate::config::Theme;
use crate::text::TextStyle;

/// Below this size only the recording notice, the call bar and a "too small" line are drawn.
pub const MIN_WIDTH: u16 = 32;
pub const MIN_HEIGHT: u16 = 10;

/// Where everything goes in `area` for the state as it is: the notice and the call bar first. A pane
/// folded away at this width opens over the messages while it has the focus.
pub fn layout_of(state: &AppState, area: ratatui::layout::Rect) -> layout::Panes {
    let top = banner::rows(state, area) + call_bar::rows(state);
    let composer_lines = state.composer.textarea.lines().len() as u16;
    let error_lines = status::error_lines(state, area.width).len() as u16;
    let mut panes = layout::panes(area, top, composer_lines, error_lines);
    match state.focus {
        Focus::Threads if panes.threads.is_none() => panes.threads = Some(panes.messages),
        Focus::Participants if panes.participants.is_none() => {
            panes.participants = Some(panes.messages)
        }
        _ => {}
    }
    panes
}

fn too_small(area: ratatui::layout::Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// The layout for the terminal size the state knows (for `update`: scrolling and mouse hits).
pub fn current_layout(state: &AppState) -> layout::Panes {
    layout_of(
        state,
        ratatui::layout::Rect::new(0, 0, state.size.0, state.size.1),
    )
}

/// How far the help overlay scrolls at the state's size.
pub fn help_scroll_limit(state: &AppState) -> u16 {
    // Wrapping does not depend on colours, so any theme gives the same count.
    overlays::help_scroll_limit(state, &Theme::default_dark())
}

/// Draws the whole console. Reads the state; never changes it.
pub fn view(state: &AppState, theme: &Theme, frame: &mut Frame) {
    let area = frame.area();
    // Cleared first, so that no cell of an earlier frame (a wide character's second half) survives.
    frame.render_widget(ratatui::widgets::Clear, area);
    frame.render_widget(Block::default().style(theme.base), area);
    let panes = layout_of(state, area);
    if too_small(area) {
        draw_too_small(state, theme, frame, area);
        return;
    }
    // The inspector and the thread state cover the panes (not the recording notice): drawing the
    // panes beneath would be wasted.
    let below_top = match panes.top {
        Some(top) => ratatui::layout::Rect {
            y: area.y + top.height,
            height: area.height.saturating_sub(top.height),
            ..area
        },
        None => area,
    };
    let full_screen = match &state.overlay {
        Overlay::Inspector(inspector) => {
            inspector::draw(state, inspector, theme, frame, below_top);
            true
        }
        Overlay::State(scroll) => {
            thread_state::draw(state, *scroll, theme, frame, below_top);
            true
        }
        _ => false,
    };
    if full_screen {
        if let Some(top) = panes.top {
            draw_top(state, theme, frame, top);
        }
        return;
    }
    messages::draw(state, theme, frame, panes.messages);
    if let Some(rect) = panes.threads {
        frame.render_widget(ratatui::widgets::Clear, rect);
        threads::draw(state, theme, frame, rect);
    }
    messages::draw_typing(state, theme, frame, panes.typing);
    composer::draw(state, theme, frame, panes.composer);
    if let Some(rect) = panes.participants {
        frame.render_widget(ratatui::widgets::Clear, rect);
        participants::draw(state, theme, frame, rect);
    }
    if let Some(rect) = panes.error {
        status::draw_error(state, theme, frame, rect);
    }
    match &state.overlay {
        Overlay::CommandLine(line) => {
            status::draw_command_line(":", line, theme, frame, panes.status)
        }
        Overlay::Search(line) => status::draw_command_line("/", line, theme, frame, panes.status),
        _ => status::draw(state, theme, frame, panes.status),
    }
    match &state.overlay {
        Overlay::Help(offset) => overlays::draw_help(state, *offset, theme, frame, area),
        Overlay::Confirm(question) => overlays::draw_confirm(question, theme, frame, area),
        Overlay::Switcher(switcher) => overlays::draw_switcher(state, switcher, theme, frame, area),
        Overlay::WhoAmI => overlays::draw_whoami(state, theme, frame, area),
        _ => {}
    }
    // Last, so that no overlay hides the recording notice.
    if let Some(top) = panes.top {
        draw_top(state, theme, frame, top);
    }
}

/// A window too small for the panes: the recording notice and the call bar still show, then what
/// size is needed.
fn draw_too_small(state: &AppState, theme: &Theme, frame: &mut Frame, area: ratatui::layout::Rect) {
    let top = banner::rows(state, area) + call_bar::rows(state);
    let top = top.min(area.height.saturating_sub(1));
    let rest = ratatui::layout::Rect {
        y: area.y + top,
        height: area.height - top,
        ..area
    };
    let text = format!("window too small (needs {MIN_WIDTH}×{MIN_HEIGHT})");
    frame.render_widget(
        ratatui::widgets::Paragraph::new(ratatui::text::Line::styled(text, theme.status_warn))
            .wrap(ratatui::widgets::Wrap { trim: true }),
        rest,
    );
    if top > 0 {
        draw_top(
            state,
            theme,
            frame,
            ratatui::layout::Rect {
                height: top,
                ..area
            },
        );
    }
}

/// The recording notice, then the call bar, in the rows reserved at the top.
fn draw_top(state: &AppState, theme: &Theme, frame: &mut Frame, top: ratatui::layout::Rect) {
    let banner_rows = banner::rows(state, frame.area()).min(top.height);
    let notice = ratatui::layout::Rect {
        height: banner_rows,
        ..top
    };
    let bar = ratatui::layout::Rect {
        y: top.y + banner_rows,
        height: top.height - banner_rows,
        ..top
    };
    if notice.height > 0 {
        frame.render_widget(ratatui::widgets::Clear, notice);
        banner::draw(state, theme, frame, notice);
    }
    if bar.height > 0 {
        call_bar::draw(state, theme, frame, bar);
    }
}

/// A pane's border, highlighted when it has the focus; the title is cut to fit between the corners.
fn pane_block(title: &str, width: u16, focused: bool, theme: &Theme) -> Block<'static> {
    let title = crate::text::truncate_to_width(title, usize::from(width.saturating_sub(4)));
    Block::default()
        .borders(Borders::ALL)
        .border_style(if focused {
            theme.border_focused
        } else {
            theme.border
        })
        .title(ratatui::text::Span::styled(
            format!(" {title} "),
            theme.title,
        ))
}

fn is_focused(state: &AppState, focus: Focus) -> bool {
    state.focus == focus && matches!(state.overlay, Overlay::None)
}

/// Maps semantic text styles to the theme's styles.
fn text_style(theme: &Theme, style: TextStyle) -> Style {
    let mut out = theme.base;
    if style.contains(TextStyle::QUOTE) {
        out = out.patch(theme.quote);
    }
    if style.contains(TextStyle::CODE) {
        out = out.patch(theme.code);
    }
    if style.contains(TextStyle::LINK) {
        out = out.patch(theme.link);
    }
    if style.contains(TextStyle::MENTION) {
        out = out.patch(theme.mention);
    }
    if style.contains(TextStyle::HEADING) {
        out = out.patch(theme.heading);
    }
    let modifiers = [
        (TextStyle::BOLD, Modifier::BOLD),
        (TextStyle::ITALIC, Modifier::ITALIC),
        (TextStyle::UNDERLINE, Modifier::UNDERLINED),
        (TextStyle::STRIKE, Modifier::CROSSED_OUT),
    ];
    for (semantic, modifier) in modifiers {
        if style.contains(semantic) {
            out = out.add_modifier(modifier);
        }
    }
    out
}
