//! The recording and transcription notice: the state machine and the words of the ACS UI library's
//! compliance banner (`ComplianceBanner/Utils.tsx` and its en-US strings), which tell the user at once
//! when a Teams call is being recorded or transcribed, as the interop terms require.
//!
//! Each of recording and transcription is `off`, `on` or `stopped` (was on, now off). A track changes
//! only when its boolean really changes: off→on or stopped→on is `on`, on→off is `stopped`. The pair
//! maps to one of eight variants. A variant with something stopped stays on screen until the user
//! dismisses it; dismissing turns `stopped` back to `off` and never hides what is still on. After
//! "recording and transcription stopped" is computed, both tracks reset to `off`, as the library does.

/// One track's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Track {
    #[default]
    Off,
    On,
    /// Was on, now off; shown until dismissed.
    Stopped,
}

/// The banner variants of the UI library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Variant {
    RecordingAndTranscriptionStarted,
    RecordingStarted,
    TranscriptionStarted,
    TranscriptionStoppedStillRecording,
    RecordingStoppedStillTranscribing,
    RecordingStopped,
    TranscriptionStopped,
    RecordingAndTranscriptionStopped,
}

/// Which link the banner ends with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    PrivacyPolicy,
    LearnMore,
}

pub const PRIVACY_POLICY_URL: &str =
    "https://privacy.microsoft.com/privacystatement#mainnoticetoendusersmodule";
pub const LEARN_MORE_URL: &str = "https://support.microsoft.com/office/record-a-meeting-in-teams-34dfbe7f-b07d-4a27-b4c6-de62f1348c24";

const CONSENT: &str = "By joining, you are giving consent for this meeting to be transcribed.";

impl Variant {
    /// The variant for a pair of tracks; `None` when both are off.
    pub fn of(recording: Track, transcription: Track) -> Option<Variant> {
        use Track::{Off, On, Stopped};
        Some(match (recording, transcription) {
            (On, On) => Variant::RecordingAndTranscriptionStarted,
            (On, Off) => Variant::RecordingStarted,
            (Off, On) => Variant::TranscriptionStarted,
            (On, Stopped) => Variant::TranscriptionStoppedStillRecording,
            (Stopped, On) => Variant::RecordingStoppedStillTranscribing,
            (Stopped, Off) => Variant::RecordingStopped,
            (Off, Stopped) => Variant::TranscriptionStopped,
            (Stopped, Stopped) => Variant::RecordingAndTranscriptionStopped,
            (Off, Off) => return None,
        })
    }

    /// The bold title.
    pub fn title(self) -> &'static str {
        match self {
            Variant::RecordingAndTranscriptionStarted => {
                "Recording and transcription have started."
            }
            Variant::RecordingStarted => "Recording has started.",
            Variant::TranscriptionStarted => "Transcription has started.",
            Variant::TranscriptionStoppedStillRecording => "Transcription has stopped.",
            Variant::RecordingStoppedStillTranscribing => "Recording has stopped.",
            Variant::RecordingStopped => "Recording is being saved.",
            Variant::TranscriptionStopped => "Transcription is being saved.",
            Variant::RecordingAndTranscriptionStopped => {
                "Recording and transcription are being saved."
            }
        }
    }

    /// The sentence after the title.
    pub fn sentence(self) -> &'static str {
        match self {
            Variant::RecordingAndTranscriptionStarted
            | Variant::RecordingStarted
            | Variant::TranscriptionStarted => CONSENT,
            Variant::TranscriptionStoppedStillRecording => {
                "You are now only recording this meeting."
            }
            Variant::RecordingStoppedStillTranscribing => {
                "You are now only transcribing this meeting."
            }
            Variant::RecordingStopped => "Recording has stopped.",
            Variant::TranscriptionStopped => "Transcription has stopped.",
            Variant::RecordingAndTranscriptionStopped => {
                "Recording and transcription have stopped."
            }
        }
    }

    pub fn link(self) -> Link {
        match self {
            Variant::RecordingStopped
            | Variant::TranscriptionStopped
            | Variant::RecordingAndTranscriptionStopped => Link::LearnMore,
            _ => Link::PrivacyPolicy,
        }
    }

    /// Whether this variant reports only what has stopped (so it may be dismissed away).
    pub fn is_stopped_only(self) -> bool {
        self.link() == Link::LearnMore
    }
}

impl Link {
    pub fn label(self) -> &'static str {
        match self {
            Link::PrivacyPolicy => "Privacy policy",
            Link::LearnMore => "Learn more",
        }
    }

    pub fn url(self) -> &'static str {
        match self {
            Link::PrivacyPolicy => PRIVACY_POLICY_URL,
            Link::LearnMore => LEARN_MORE_URL,
        }
    }
}

/// The notice's state: the two tracks, what is really on, and the variant on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Compliance {
    recording: Track,
    transcription: Track,
    recording_active: bool,
    transcription_active: bool,
    shown: Option<Variant>,
}

impl Compliance {
    /// The variant on screen, if any.
    pub fn shown(&self) -> Option<Variant> {
        self.shown
    }

    pub fn recording_active(&self) -> bool {
        self.recording_active
    }

    pub fn transcription_active(&self) -> bool {
        self.transcription_active
    }

    /// Recording is now on or off. Returns whether the banner changed.
    pub fn set_recording(&mut self, active: bool) -> bool {
        if active == self.recording_active {
            return false;
        }
        self.recording_active = active;
        self.recording = next(self.recording, active);
        self.recompute()
    }

    /// Transcription is now on or off. Returns whether the banner changed.
    pub fn set_transcription(&mut self, active: bool) -> bool {
        if active == self.transcription_active {
            return false;
        }
        self.transcription_active = active;
        self.transcription = next(self.transcription, active);
        self.recompute()
    }

    /// The user closes the banner: what has stopped is forgotten; what is on stays shown.
    pub fn dismiss(&mut self) -> bool {
        let before = self.shown;
        if self.recording == Track::Stopped {
            self.recording = Track::Off;
        }
        if self.transcription == Track::Stopped {
            self.transcription = Track::Off;
        }
        self.shown = Variant::of(self.recording, self.transcription);
        before != self.shown
    }

    /// A new call starts: nothing from an earlier call carries over.
    pub fn reset(&mut self) {
        *self = Compliance::default();
    }

    fn recompute(&mut self) -> bool {
        let before = self.shown;
        self.shown = Variant::of(self.recording, self.transcription);
        if self.shown == Some(Variant::RecordingAndTranscriptionStopped) {
            self.recording = Track::Off;
            self.transcription = Track::Off;
        }
        before != self.shown
    }
}

fn next(track: Track, active: bool) -> Track {
    match (track, active) {
        (_, true) => Track::On,
        (Track::On, false) => Track::Stopped,
        (other, false) => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_variants_table() {
        use Track::{Off, On, Stopped};
        let rows = [
            (On, On, Variant::RecordingAndTranscriptionStarted),
            (On, Off, Variant::RecordingStarted),
            (Off, On, Variant::TranscriptionStarted),
            (On, Stopped, Variant::TranscriptionStoppedStillRecording),
            (Stopped, On, Variant::RecordingStoppedStillTranscribing),
            (Stopped, Off, Variant::RecordingStopped),
            (Off, Stopped, Variant::TranscriptionStopped),
            (Stopped, Stopped, Variant::RecordingAndTranscriptionStopped),
        ];
        for (r, t, v) in rows {
            assert_eq!(Variant::of(r, t), Some(v), "{r:?}/{t:?}");
        }
        assert_eq!(Variant::of(Off, Off), None);
        assert_eq!(
            Variant::RecordingStarted.sentence(),
            "By joining, you are giving consent for this meeting to be transcribed."
        );
        assert_eq!(Variant::RecordingStopped.link(), Link::LearnMore);
    }

    #[test]
    fn recording_then_transcription_then_stops() {
        let mut c = Compliance::default();
        assert!(c.set_recording(true));
        assert_eq!(c.shown(), Some(Variant::RecordingStarted));
        assert!(!c.set_recording(true), "no change, no recompute");
        c.set_transcription(true);
        assert_eq!(c.shown(), Some(Variant::RecordingAndTranscriptionStarted));
        c.set_transcription(false);
        assert_eq!(c.shown(), Some(Variant::TranscriptionStoppedStillRecording));
        c.dismiss();
        assert_eq!(c.shown(), Some(Variant::RecordingStarted));
        c.set_recording(false);
        assert_eq!(c.shown(), Some(Variant::RecordingStopped));
        c.dismiss();
        assert_eq!(c.shown(), None);
    }

    #[test]
    fn both_stopped_resets_the_tracks_but_stays_until_dismissed() {
        let mut c = Compliance::default();
        c.set_recording(true);
        c.set_transcription(true);
        c.set_recording(false);
        assert_eq!(c.shown(), Some(Variant::RecordingStoppedStillTranscribing));
        c.set_transcription(false);
        assert_eq!(c.shown(), Some(Variant::RecordingAndTranscriptionStopped));
        // Recording again starts afresh rather than "transcription stopped, still recording".
        c.set_recording(true);
        assert_eq!(c.shown(), Some(Variant::RecordingStarted));
    }

    #[derive(Debug, Clone, Copy)]
    enum Step {
        Recording(bool),
        Transcription(bool),
        Dismiss,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            any::<bool>().prop_map(Step::Recording),
            any::<bool>().prop_map(Step::Transcription),
            Just(Step::Dismiss),
        ]
    }

    /// The same rules said another way: a track is on while active, stopped when it was on since the
    /// last clearing (a dismiss, or both having stopped), else off.
    #[derive(Default)]
    struct Reference {
        active: [bool; 2],
        seen_on: [bool; 2],
        shown: Option<Variant>,
    }

    impl Reference {
        fn track(&self, i: usize) -> Track {
            match (self.active[i], self.seen_on[i]) {
                (true, _) => Track::On,
                (false, true) => Track::Stopped,
                (false, false) => Track::Off,
            }
        }

        fn set(&mut self, i: usize, on: bool) {
            if self.active[i] == on {
                return;
            }
            self.active[i] = on;
            self.seen_on[i] |= on;
            self.shown = Variant::of(self.track(0), self.track(1));
            if self.shown == Some(Variant::RecordingAndTranscriptionStopped) {
                self.seen_on = [false, false];
            }
        }

        fn dismiss(&mut self) {
            self.seen_on = self.active;
            self.shown = Variant::of(self.track(0), self.track(1));
        }
    }

    proptest! {
        /// Against the table: every step shows the table's variant for the tracks as the rules define
        /// them; what is on is always on the banner; only dismissing hides it.
        #[test]
        fn the_banner_follows_the_table_and_never_hides_what_is_on(
            steps in proptest::collection::vec(step(), 0..40)
        ) {
            let mut c = Compliance::default();
            let mut reference = Reference::default();
            for s in steps {
                let before = c.shown();
                match s {
                    Step::Recording(on) => { c.set_recording(on); reference.set(0, on); }
                    Step::Transcription(on) => { c.set_transcription(on); reference.set(1, on); }
                    Step::Dismiss => { c.dismiss(); reference.dismiss(); }
                }
                let shown = c.shown();
                prop_assert_eq!(shown, reference.shown, "after {:?}", s);
                if c.recording_active() || c.transcription_active() {
                    let v = shown.expect("something is on, so a banner shows");
                    let text = format!("{} {}", v.title(), v.sentence()).to_lowercase();
                    if c.recording_active() {
                        prop_assert!(text.contains("record"), "{:?} hides recording", v);
                    }
                    if c.transcription_active() {
                        prop_assert!(text.contains("transcri"), "{:?} hides transcription", v);
                    }
                    prop_assert!(!v.is_stopped_only());
                }
                if shown.is_none() && before.is_some() {
                    prop_assert!(matches!(s, Step::Dismiss), "only dismissing hides the banner");
                }
            }
        }
    }
}
