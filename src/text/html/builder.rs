//! The HTML-to-lines converter: a stack of open elements over the token stream.

use std::borrow::Cow;

use super::elements::{BLOCK, EMOJI_TYPE, MENTION_TYPE, VOID, element_style, same_target};
use super::tokenize::{Tag, Token, tokenize};
use super::{AttachmentKind, AttachmentRef, expand_tabs, is_html_space};
use crate::text::sanitize::{drop_leading_emoji_joiners, sanitize, sanitize_line};
use crate::text::style::{StyledLine, StyledSpan, TextStyle};
use crate::text::wrap::display_width;

/// Deeper nesting is flattened, so hostile input cannot make closing tags slow.
const MAX_DEPTH: usize = 256;

/// Converts `html` (line breaks already normalised) to lines.
pub(super) fn build(html: &str, attachments: &[AttachmentRef]) -> Vec<StyledLine> {
    let mut builder = Builder::new(attachments);
    for token in tokenize(html) {
        match token {
            Token::Text(text) => builder.text(&text),
            Token::Start(tag) => builder.start(&tag),
            Token::End(name) => builder.end(&name),
        }
    }
    builder.finish()
}

/// An open element and the cumulative effect of it and everything around it.
struct Frame {
    name: String,
    style: TextStyle,
    link: Option<String>,
    quote_depth: u8,
    pre: bool,
    /// Index in the stack of the innermost list frame, if any.
    list: Option<usize>,
    /// Set on `<ul>` and `<ol>` frames.
    list_state: Option<ListState>,
    mention: bool,
}

struct ListState {
    ordered: bool,
    next: u32,
    marker_indent: u16,
    /// Where an item's text starts: after its marker.
    content_indent: u16,
}

/// The open `<a>`: its stack index, target and the text shown for it so far.
struct Anchor {
    frame: usize,
    href: String,
    text: String,
}

#[derive(Clone, Copy)]
struct LineAttrs {
    indent: u16,
    quote_depth: u8,
    preformatted: bool,
}

#[derive(Default)]
struct Line {
    spans: Vec<StyledSpan>,
    /// Fixed when the first text arrives, so a line belongs to the block it started in.
    attrs: Option<LineAttrs>,
    width: usize,
    /// True while the line holds only a list marker.
    marker_only: bool,
}

struct Builder<'a> {
    attachments: &'a [AttachmentRef],
    referenced: Vec<bool>,
    lines: Vec<StyledLine>,
    line: Line,
    stack: Vec<Frame>,
    anchor: Option<Anchor>,
    /// Collapsed whitespace waiting for the next text, with the style it appeared in.
    pending_space: Option<(TextStyle, Option<String>)>,
    /// The open mention has shown no text yet, so it still needs its `@`.
    mention_needs_at: bool,
    /// The last thing shown was a mention: Teams splits "@Megan Bowen" into two.
    after_mention: bool,
    /// A newline right after `<pre>` is not content.
    skip_pre_newline: bool,
}

impl<'a> Builder<'a> {
    fn new(attachments: &'a [AttachmentRef]) -> Self {
        Self {
            attachments,
            referenced: vec![false; attachments.len()],
            lines: Vec::new(),
            line: Line::default(),
            stack: Vec::new(),
            anchor: None,
            pending_space: None,
            mention_needs_at: false,
            after_mention: false,
            skip_pre_newline: false,
        }
    }

    fn style(&self) -> TextStyle {
        self.stack.last().map_or(TextStyle::PLAIN, |f| f.style)
    }

    fn link(&self) -> Option<String> {
        self.stack.last().and_then(|f| f.link.clone())
    }

    fn list_state(&mut self) -> Option<&mut ListState> {
        let index = self.stack.last()?.list?;
        self.stack.get_mut(index)?.list_state.as_mut()
    }

    fn attrs(&self) -> LineAttrs {
        let top = self.stack.last();
        let indent = top
            .and_then(|f| f.list)
            .and_then(|i| self.stack.get(i))
            .and_then(|f| f.list_state.as_ref())
            .map_or(0, |l| l.content_indent);
        LineAttrs {
            indent,
            quote_depth: top.map_or(0, |f| f.quote_depth),
            preformatted: top.is_some_and(|f| f.pre),
        }
    }

    fn text(&mut self, raw: &str) {
        let clean = sanitize(raw);
        let mut text: &str = &clean;
        if self.stack.last().is_some_and(|f| f.pre) {
            if std::mem::take(&mut self.skip_pre_newline) {
                text = text.strip_prefix('\n').unwrap_or(text);
            }
            for (i, part) in text.split('\n').enumerate() {
                if i > 0 {
                    self.flush();
                }
                let part = expand_tabs(part, self.line.width);
                self.emit(&part, self.style(), self.link());
            }
            return;
        }
        self.skip_pre_newline = false;
        while !text.is_empty() {
            let word_start = text.find(|c| !is_html_space(c)).unwrap_or(text.len());
            if word_start > 0 {
                self.note_space();
                text = &text[word_start..];
                continue;
            }
            let word_end = text.find(is_html_space).unwrap_or(text.len());
            self.word(&text[..word_end]);
            text = &text[word_end..];
        }
    }

    fn note_space(&mut self) {
        if !self.line.spans.is_empty() && self.pending_space.is_none() {
            self.pending_space = Some((self.style(), self.link()));
        }
    }

    fn word(&mut self, word: &str) {
        let style = self.style();
        if std::mem::take(&mut self.mention_needs_at) && !word.starts_with('@') {
            self.emit("@", style, self.link());
        }
        if !style.contains(TextStyle::MENTION) && !word.chars().all(char::is_whitespace) {
            self.after_mention = false;
        }
        self.emit(word, style, self.link());
    }

    /// Adds text to the current line, first showing a pending collapsed space.
    fn emit(&mut self, text: &str, style: TextStyle, link: Option<String>) {
        if text.is_empty() {
            return;
        }
        if self.line.attrs.is_none() {
            self.line.attrs = Some(self.attrs());
        }
        if let Some((space_style, space_link)) = self.pending_space.take()
            && !self.line.spans.is_empty()
        {
            // A space between a link and plain text is not part of the link.
            let space_link = space_link.filter(|l| link.as_ref() == Some(l));
            self.push_span(" ", space_style.intersection(style), space_link);
        }
        self.push_span(text, style, link);
        self.line.marker_only = false;
    }

    fn push_span(&mut self, text: &str, style: TextStyle, link: Option<String>) {
        let previous = self
            .line
            .spans
            .last()
            .and_then(|s| s.text.chars().next_back());
        let text = drop_leading_emoji_joiners(previous, text);
        if text.is_empty() {
            return;
        }
        self.line.width += display_width(text);
        if let Some(anchor) = &mut self.anchor {
            anchor.text.push_str(text);
        }
        match self.line.spans.last_mut() {
            Some(last) if last.style == style && last.link == link => last.text.push_str(text),
            _ => self.line.spans.push(StyledSpan {
                text: text.to_owned(),
                style,
                link,
            }),
        }
    }

    /// Ends the current line, even an empty one (`<br>`, a newline in `<pre>`).
    fn flush(&mut self) {
        let attrs = self.line.attrs.unwrap_or_else(|| self.attrs());
        let line = std::mem::take(&mut self.line);
        self.lines.push(StyledLine {
            spans: merge_spans(line.spans),
            indent: attrs.indent,
            quote_depth: attrs.quote_depth,
            preformatted: attrs.preformatted,
        });
        self.pending_space = None;
        self.after_mention = false;
    }

    /// Ends the current line unless it is empty or holds only a list marker.
    fn block_break(&mut self) {
        if !self.line.spans.is_empty() && !self.line.marker_only {
            self.flush();
        }
        self.pending_space = None;
    }

    fn start(&mut self, tag: &Tag) {
        let name = tag.name.as_str();
        match name {
            "br" => self.flush(),
            "img" => self.image(tag),
            "td" | "th" => self.note_space(),
            "a" => {
                // Links do not nest; a new one closes the open one.
                if let Some(frame) = self.anchor.as_ref().map(|a| a.frame) {
                    self.pop_to(frame);
                }
            }
            _ => {}
        }
        if BLOCK.contains(&name) {
            self.block_break();
        }
        if name == "li" {
            self.list_item();
        }
        if !VOID.contains(&name) && self.stack.len() < MAX_DEPTH {
            self.push_frame(tag);
        }
    }

    fn push_frame(&mut self, tag: &Tag) {
        let name = tag.name.as_str();
        let index = self.stack.len();
        let parent_indent = self.attrs().indent;
        let (mut style, mut link, quote_depth, pre, mut list) = match self.stack.last() {
            Some(f) => (f.style, f.link.clone(), f.quote_depth, f.pre, f.list),
            None => (TextStyle::PLAIN, None, 0, false, None),
        };
        style |= element_style(name);
        let mut list_state = None;
        if matches!(name, "ul" | "ol") {
            list = Some(index);
            let start = tag.attr("start").and_then(|s| s.trim().parse().ok());
            list_state = Some(ListState {
                ordered: name == "ol",
                next: start.unwrap_or(1),
                marker_indent: parent_indent,
                content_indent: parent_indent,
            });
        }
        if name == "a" {
            let href = tag
                .attr("href")
                .map(|h| sanitize_line(h.trim()).into_owned());
            if let Some(href) = href.filter(|h| !h.is_empty()) {
                style |= TextStyle::LINK;
                link = Some(href.clone());
                self.anchor = Some(Anchor {
                    frame: index,
                    href,
                    text: String::new(),
                });
            }
        }
        let mention = name == "span"
            && tag
                .attr("itemtype")
                .is_some_and(|t| t.to_ascii_lowercase().contains(MENTION_TYPE));
        if mention {
            style |= TextStyle::MENTION;
            self.mention_needs_at = !self.after_mention;
            if self.after_mention {
                self.continue_mention(style);
            }
        }
        let pre = pre || matches!(name, "pre" | "codeblock");
        if matches!(name, "pre" | "codeblock") {
            self.skip_pre_newline = true;
        }
        self.stack.push(Frame {
            name: tag.name.clone(),
            style,
            link,
            quote_depth: quote_depth.saturating_add(u8::from(name == "blockquote")),
            pre,
            list,
            list_state,
            mention,
        });
    }

    /// The whitespace between two halves of a split mention belongs to the mention.
    fn continue_mention(&mut self, style: TextStyle) {
        if let Some((space_style, _)) = &mut self.pending_space {
            *space_style |= style;
        }
        for span in self.line.spans.iter_mut().rev() {
            if !span.text.chars().all(char::is_whitespace) {
                break;
            }
            span.style |= TextStyle::MENTION;
        }
    }

    fn list_item(&mut self) {
        if self.line.marker_only {
            // The previous item was empty: keep its bullet on a line of its own.
            self.flush();
        }
        let attrs = self.attrs();
        let quote = self.style().intersection(TextStyle::QUOTE);
        let (marker, marker_indent) = match self.list_state() {
            Some(list) => {
                let marker = if list.ordered {
                    let marker = format!("{}. ", list.next);
                    list.next = list.next.saturating_add(1);
                    marker
                } else {
                    "• ".to_owned()
                };
                let width = u16::try_from(display_width(&marker)).unwrap_or(u16::MAX);
                list.content_indent = list.marker_indent.saturating_add(width);
                (marker, list.marker_indent)
            }
            // An `<li>` outside any list still gets a bullet.
            None => ("• ".to_owned(), attrs.indent),
        };
        self.line.attrs = Some(LineAttrs {
            indent: marker_indent,
            ..attrs
        });
        self.push_span(&marker, quote, None);
        self.line.marker_only = true;
    }

    fn image(&mut self, tag: &Tag) {
        let alt = tag.attr("alt").map(|a| sanitize_line(a.trim()));
        let is_emoji = tag
            .attr("itemtype")
            .is_some_and(|t| t.to_ascii_lowercase().contains(EMOJI_TYPE));
        if let Some(alt) = alt.as_ref().filter(|a| is_emoji && !a.is_empty()) {
            // Teams sends emoji as images whose alt text is the emoji itself.
            self.word(alt);
            return;
        }
        let id = tag.attr("id").unwrap_or_default();
        let attachments = self.attachments;
        let attachment = attachments
            .iter()
            .position(|a| !id.is_empty() && a.id.eq_ignore_ascii_case(id));
        if let Some(i) = attachment
            && let Some(seen) = self.referenced.get_mut(i)
        {
            *seen = true;
        }
        let attachment = attachment.and_then(|i| attachments.get(i));
        let kind = attachment.map_or(AttachmentKind::Image, |a| a.kind);
        let name = attachment
            .map(|a| sanitize_line(a.name.trim()))
            .filter(|n| !n.is_empty())
            .or(alt.filter(|a| !a.is_empty()))
            .unwrap_or(Cow::Borrowed(kind.label()));
        let src = tag
            .attr("src")
            .map(|s| sanitize_line(s.trim()).into_owned())
            .filter(|s| !s.is_empty());
        let label = format!("[{}: {name}]", kind.label());
        // The attachment's own link first: it is where the image is fetched from.
        let target = attachment
            .and_then(AttachmentRef::link)
            .or_else(|| self.link())
            .or(src);
        self.emit(&label, self.style() | TextStyle::LINK, target);
        self.after_mention = false;
    }

    fn end(&mut self, name: &str) {
        if name == "br" {
            // Browsers read `</br>` as `<br>`.
            self.flush();
            return;
        }
        let Some(index) = self.stack.iter().rposition(|f| f.name == name) else {
            return;
        };
        self.pop_to(index);
        if BLOCK.contains(&name) {
            self.block_break();
        }
    }

    /// Closes the frame at `index` and everything opened inside it.
    fn pop_to(&mut self, index: usize) {
        while self.stack.len() > index {
            let Some(frame) = self.stack.pop() else { break };
            if frame.mention {
                self.mention_needs_at = false;
                self.after_mention = true;
            }
            if self
                .anchor
                .as_ref()
                .is_some_and(|a| a.frame == self.stack.len())
                && let Some(anchor) = self.anchor.take()
            {
                self.close_anchor(anchor);
            }
        }
    }

    /// Shows the target after a link whose text says something else.
    fn close_anchor(&mut self, anchor: Anchor) {
        let text = anchor.text.trim();
        let style = self.style() | TextStyle::LINK;
        if text.is_empty() {
            self.emit(&anchor.href, style, Some(anchor.href.clone()));
        } else if !same_target(text, &anchor.href) {
            self.pending_space = Some((self.style(), None));
            let shown = format!("({})", anchor.href);
            self.emit(&shown, style, Some(anchor.href));
        }
    }

    fn finish(mut self) -> Vec<StyledLine> {
        self.pop_to(0);
        if !self.line.spans.is_empty() {
            self.flush();
        }
        let mut lines = self.lines;
        let end = lines
            .iter()
            .rposition(|l| !l.is_blank())
            .map_or(0, |i| i + 1);
        lines.truncate(end);
        let start = lines.iter().position(|l| !l.is_blank()).unwrap_or(0);
        lines.drain(..start);
        for (attachment, _) in self
            .attachments
            .iter()
            .zip(&self.referenced)
            .filter(|(_, seen)| !**seen)
        {
            let name = sanitize_line(attachment.name.trim());
            let name = if name.is_empty() {
                Cow::Borrowed(attachment.kind.label())
            } else {
                name
            };
            let label = format!("[{}: {name}]", attachment.kind.label());
            lines.push(StyledLine {
                spans: vec![StyledSpan {
                    link: attachment.link(),
                    ..StyledSpan::new(label, TextStyle::LINK)
                }],
                ..StyledLine::default()
            });
        }
        lines
    }
}

/// Joins neighbouring spans of the same style and link.
fn merge_spans(spans: Vec<StyledSpan>) -> Vec<StyledSpan> {
    let mut out: Vec<StyledSpan> = Vec::with_capacity(spans.len());
    for span in spans {
        match out.last_mut() {
            Some(last) if last.style == span.style && last.link == span.link => {
                last.text.push_str(&span.text);
            }
            _ => out.push(span),
        }
    }
    out
}
