//! A message as lines on screen, before colour: day separators, headers, wrapped bodies and delivery
//! states. Shared by the messages pane (to draw) and `update` (to scroll by lines).

use crate::app::state::ThreadView;
use crate::model::{Message, PendingSend, PersonKind, SafeText, SendState};
use crate::text::wrap_lines;
use crate::text::{StyledLine, plain_to_lines};

/// What an own message's sender sees about its delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sending,
    /// The service asked to wait; the next try is this many seconds away.
    Throttled {
        retry_in_s: u64,
    },
    /// A try failed in a way that may pass; the next is this many seconds away.
    Retrying {
        retry_in_s: u64,
        reason: String,
    },
    Sent,
    ReadBy {
        read: usize,
        of: usize,
    },
    Failed {
        reason: String,
    },
}

impl Delivery {
    pub fn label(&self) -> String {
        match self {
            Delivery::Sending => "sending…".into(),
            Delivery::Throttled { retry_in_s: 0 } => "throttled, retrying now".into(),
            Delivery::Throttled { retry_in_s } => format!("throttled, retrying in {retry_in_s} s"),
            Delivery::Retrying {
                retry_in_s: 0,
                reason,
            } => format!("{reason}, retrying now"),
            Delivery::Retrying { retry_in_s, reason } => {
                format!("{reason}, retrying in {retry_in_s} s")
            }
            Delivery::Sent => "sent".into(),
            Delivery::ReadBy { read, of } => format!("read by {read} of {of}"),
            Delivery::Failed { reason } => format!("failed: {reason} (:retry)"),
        }
    }
}

/// One screen line of a message block.
#[derive(Debug, Clone, PartialEq)]
pub enum BlockLine {
    DaySeparator(String),
    Header {
        sender: SafeText,
        kind: PersonKind,
        mine: bool,
        time: String,
        edited: bool,
        delivery: Option<Delivery>,
    },
    Body(StyledLine),
    System(String),
    /// A further line of a long system line.
    SystemContinued(String),
    Deleted,
    /// "new since you left", above the first message that arrived since the last visit.
    UnreadMarker,
}

/// What a block needs besides the message.
#[derive(Debug, Clone, Copy)]
pub struct BlockContext<'a> {
    pub me: &'a str,
    pub utc_offset_s: i32,
    pub width: u16,
    pub view: &'a ThreadView,
    /// The console's clock, for countdowns.
    pub now_ms: i64,
}

const DAY_MS: i64 = 86_400_000;

fn local_day(ms: i64, offset_s: i32) -> i64 {
    (ms + i64::from(offset_s) * 1000).div_euclid(DAY_MS)
}

/// `HH:MM` in the user's time zone.
pub fn clock(ms: i64, offset_s: i32) -> String {
    let local = ms + i64::from(offset_s) * 1000;
    let minutes = local.div_euclid(60_000).rem_euclid(24 * 60);
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// `Sat 28 Nov` in the user's time zone.
pub fn short_day(ms: i64, offset_s: i32) -> String {
    let local = ms + i64::from(offset_s) * 1000;
    match time::OffsetDateTime::from_unix_timestamp(local.div_euclid(1000)) {
        Ok(t) => {
            let weekday = t.weekday().to_string();
            let month = t.month().to_string();
            format!(
                "{} {} {}",
                &weekday[..3.min(weekday.len())],
                t.day(),
                &month[..3.min(month.len())]
            )
        }
        Err(_) => "?".into(),
    }
}

/// Whether two instants fall on the same day in the user's time zone.
pub fn same_day(a_ms: i64, b_ms: i64, offset_s: i32) -> bool {
    local_day(a_ms, offset_s) == local_day(b_ms, offset_s)
}

/// `Saturday 28 November 2026` in the user's time zone.
pub fn day_label(ms: i64, offset_s: i32) -> String {
    let local = ms + i64::from(offset_s) * 1000;
    match time::OffsetDateTime::from_unix_timestamp(local.div_euclid(1000)) {
        Ok(t) => format!("{} {} {} {}", t.weekday(), t.day(), t.month(), t.year()),
        Err(_) => "unknown day".into(),
    }
}

fn body_lines(message: &Message, width: u16) -> Vec<StyledLine> {
    wrap_lines(&message.body_lines(), width)
}

fn delivery_of(message: &Message, ctx: &BlockContext<'_>) -> Delivery {
    let (read, of) = ctx.view.readers_of(message.order, ctx.me);
    if read > 0 {
        Delivery::ReadBy { read, of }
    } else {
        Delivery::Sent
    }
}

/// The lines of `message`, given the one before it (for the day separator).
pub fn message_block(
    message: &Message,
    previous: Option<&Message>,
    ctx: &BlockContext<'_>,
) -> Vec<BlockLine> {
    let mut out = Vec::new();
    if ctx.view.unread_marker == Some(message.order) {
        out.push(BlockLine::UnreadMarker);
    }
    let day = local_day(message.created_ms, ctx.utc_offset_s);
    if previous.is_none_or(|p| local_day(p.created_ms, ctx.utc_offset_s) != day) {
        out.push(BlockLine::DaySeparator(day_label(
            message.created_ms,
            ctx.utc_offset_s,
        )));
    }
    if message.kind.is_system() {
        let text = format!(
            "{} {}",
            clock(message.created_ms, ctx.utc_offset_s),
            message.system_text()
        );
        // "  — " comes before the first line; the others line up under its text.
        let width = ctx.width.saturating_sub(2).max(1);
        let lines = crate::text::wrap_lines(&[crate::text::StyledLine::plain(&text)], width);
        for (i, line) in lines.iter().enumerate() {
            out.push(if i == 0 {
                BlockLine::System(line.text())
            } else {
                BlockLine::SystemContinued(line.text())
            });
        }
        return out;
    }
    let mine = message.sender.as_deref() == Some(ctx.me);
    let kind = message
        .sender
        .as_deref()
        .map(PersonKind::of)
        .unwrap_or(PersonKind::Other);
    let sender = if message.sender_name.is_empty() {
        match message.sender.as_deref() {
            Some(raw) => crate::model::short_id(raw),
            None => SafeText::new("unknown"),
        }
    } else {
        message.sender_name.clone()
    };
    out.push(BlockLine::Header {
        sender,
        kind,
        mine,
        time: clock(message.created_ms, ctx.utc_offset_s),
        edited: message.edited_ms.is_some() && message.deleted_ms.is_none(),
        delivery: (mine && message.deleted_ms.is_none()).then(|| delivery_of(message, ctx)),
    });
    if message.deleted_ms.is_some() {
        out.push(BlockLine::Deleted);
    } else {
        out.extend(
            body_lines(message, ctx.width)
                .into_iter()
                .map(BlockLine::Body),
        );
    }
    out
}

/// The lines of an own message still on its way.
pub fn pending_block(
    pending: &PendingSend,
    my_name: &SafeText,
    ctx: &BlockContext<'_>,
) -> Vec<BlockLine> {
    let delivery = match &pending.state {
        SendState::Sending => Delivery::Sending,
        SendState::Throttled { .. } => Delivery::Throttled {
            retry_in_s: pending.retry_in_s(ctx.now_ms).unwrap_or(0),
        },
        SendState::Retrying { reason, .. } => Delivery::Retrying {
            retry_in_s: pending.retry_in_s(ctx.now_ms).unwrap_or(0),
            reason: reason.to_string(),
        },
        SendState::Sent { .. } => Delivery::Sent,
        SendState::Failed { reason } => Delivery::Failed {
            reason: reason.to_string(),
        },
    };
    let mut out = vec![BlockLine::Header {
        sender: my_name.clone(),
        kind: PersonKind::Acs,
        mine: true,
        time: clock(pending.created_ms, ctx.utc_offset_s),
        edited: false,
        delivery: Some(delivery),
    }];
    out.extend(
        wrap_lines(&plain_to_lines(&pending.content), ctx.width)
            .into_iter()
            .map(BlockLine::Body),
    );
    out
}

/// How many lines `message` takes (the scroll unit).
pub fn block_height(
    message: &Message,
    previous: Option<&Message>,
    ctx: &BlockContext<'_>,
) -> usize {
    message_block(message, previous, ctx).len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_and_day_follow_the_offset() {
        let ms = 1_795_842_000_000; // 2026-11-28 05:00 UTC
        assert_eq!(clock(ms, 0), "05:00");
        assert_eq!(clock(ms, -6 * 3600), "23:00");
        assert_eq!(day_label(ms, 0), "Saturday 28 November 2026");
        assert_eq!(day_label(ms, -6 * 3600), "Friday 27 November 2026");
    }
}
