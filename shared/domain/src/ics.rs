//! One appointment as an iCalendar object (RFC 5545), attached to the
//! citizen's emails so their calendar adds, moves or removes it.
//!
//! Times are written on the city's clock with the zone described inline
//! (`VTIMEZONE`): calendars that do not know the zone's name still place the
//! appointment right, and one that moves to another zone keeps it at the
//! hour the town hall gave. The same `UID` with a higher `SEQUENCE` updates
//! an event (`METHOD:REQUEST`) or cancels it (`METHOD:CANCEL`).

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};
use std::fmt::Write;

/// What the calendar is asked to do with the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IcsMethod {
    /// Add the event, or update the one with the same `UID`.
    Request,
    /// Remove the event with the same `UID`.
    Cancel,
}

impl IcsMethod {
    /// `REQUEST` or `CANCEL`, as `METHOD` and the MIME type write it.
    pub fn as_str(self) -> &'static str {
        match self {
            IcsMethod::Request => "REQUEST",
            IcsMethod::Cancel => "CANCEL",
        }
    }

    /// The MIME type of the `.ics` attachment: mail clients read `method`
    /// to offer « add » or « remove ».
    pub fn content_type(self) -> &'static str {
        match self {
            IcsMethod::Request => "text/calendar; charset=UTF-8; method=REQUEST",
            IcsMethod::Cancel => "text/calendar; charset=UTF-8; method=CANCEL",
        }
    }

    fn status(self) -> &'static str {
        match self {
            IcsMethod::Request => "CONFIRMED",
            IcsMethod::Cancel => "CANCELLED",
        }
    }
}

/// One appointment, as its `.ics` says it.
#[derive(Debug, Clone)]
pub struct IcsEvent<'a> {
    /// Stable for the appointment's life: rescheduling and cancelling name it.
    pub uid: &'a str,
    /// Raised on every change, so calendars apply the latest.
    pub sequence: u32,
    pub method: IcsMethod,
    pub start: Timestamp,
    pub end: Timestamp,
    /// The city's zone; its IANA name is the `TZID` (a zone without a name
    /// has the times written in UTC instead).
    pub zone: &'a TimeZone,
    /// When this version of the event was made (`DTSTAMP`).
    pub stamp: Timestamp,
    pub summary: &'a str,
    /// Left out when empty.
    pub location: &'a str,
    /// Left out when empty; may hold several lines.
    pub description: &'a str,
    /// The city's sending address (`ORGANIZER:mailto:`).
    pub organizer: &'a str,
    /// The citizen's address (`ATTENDEE:mailto:`, already accepted: the
    /// citizen booked it); left out when empty.
    pub attendee: &'a str,
}

impl IcsEvent<'_> {
    /// The whole `VCALENDAR`: CRLF line ends, lines folded at 75 octets.
    pub fn render(&self) -> String {
        let mut lines: Vec<String> = vec![
            "BEGIN:VCALENDAR".into(),
            "VERSION:2.0".into(),
            "PRODID:-//GRU//Rendez-vous//FR".into(),
            "CALSCALE:GREGORIAN".into(),
            format!("METHOD:{}", self.method.as_str()),
        ];
        let tzid = self.zone.iana_name().map(str::to_owned);
        if let Some(tzid) = &tzid {
            lines.extend(vtimezone(tzid, self.zone, self.start, self.end));
        }
        let when = |property: &str, at: Timestamp| match &tzid {
            Some(tzid) => format!("{property};TZID={tzid}:{}", local(self.zone.to_datetime(at))),
            None => format!("{property}:{}", utc(at)),
        };
        lines.extend([
            "BEGIN:VEVENT".into(),
            format!("UID:{}", escape(self.uid)),
            format!("SEQUENCE:{}", self.sequence),
            format!("DTSTAMP:{}", utc(self.stamp)),
            when("DTSTART", self.start),
            when("DTEND", self.end),
            format!("SUMMARY:{}", escape(self.summary)),
        ]);
        if !self.location.is_empty() {
            lines.push(format!("LOCATION:{}", escape(self.location)));
        }
        if !self.description.is_empty() {
            lines.push(format!("DESCRIPTION:{}", escape(self.description)));
        }
        if !self.attendee.is_empty() {
            lines.push(format!(
                "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE:mailto:{}",
                self.attendee
            ));
        }
        lines.extend([
            format!("ORGANIZER:mailto:{}", self.organizer),
            format!("STATUS:{}", self.method.status()),
            "TRANSP:OPAQUE".into(),
            "END:VEVENT".into(),
            "END:VCALENDAR".into(),
        ]);
        let mut text = String::new();
        for line in lines {
            text.push_str(&fold(&line));
            text.push_str("\r\n");
        }
        text
    }
}

/// The zone's observances around the event: the one in force when the
/// event's first year begins, then every change until its last year ends.
/// A zone that no longer changes (or never did) gets one `STANDARD`.
fn vtimezone(tzid: &str, zone: &TimeZone, start: Timestamp, end: Timestamp) -> Vec<String> {
    let year_start = |at: Timestamp, years: i16| {
        let year = zone.to_datetime(at).year().saturating_add(years);
        Date::new(year, 1, 1)
            .ok()
            .and_then(|day| zone.to_timestamp(day.to_datetime(Time::midnight())).ok())
            .unwrap_or(at)
    };
    let (from, until) = (year_start(start, 0), year_start(end.max(start), 1));
    let mut changes: Vec<(Timestamp, Offset, String, bool)> = Vec::new();
    if let Some(before) = zone.preceding(from).next() {
        changes.push((
            before.timestamp(),
            before.offset(),
            before.abbreviation().to_owned(),
            before.dst().is_dst(),
        ));
    }
    for change in zone.following(from).take_while(|t| t.timestamp() < until) {
        changes.push((
            change.timestamp(),
            change.offset(),
            change.abbreviation().to_owned(),
            change.dst().is_dst(),
        ));
    }
    let mut lines = vec!["BEGIN:VTIMEZONE".to_owned(), format!("TZID:{tzid}")];
    if changes.is_empty() {
        let info = zone.to_offset_info(start);
        let offset = offset_text(info.offset());
        lines.extend([
            "BEGIN:STANDARD".to_owned(),
            "DTSTART:19700101T000000".to_owned(),
            format!("TZOFFSETFROM:{offset}"),
            format!("TZOFFSETTO:{offset}"),
        ]);
        if !info.abbreviation().is_empty() {
            lines.push(format!("TZNAME:{}", escape(info.abbreviation())));
        }
        lines.push("END:STANDARD".to_owned());
    }
    for (at, offset, name, dst) in changes {
        // The onset is written on the clock as it read just before the change.
        let before = at.checked_sub(SignedDuration::from_nanos(1)).map_or(offset, |t| zone.to_offset(t));
        let kind = if dst { "DAYLIGHT" } else { "STANDARD" };
        lines.extend([
            format!("BEGIN:{kind}"),
            format!("DTSTART:{}", local(before.to_datetime(at))),
            format!("TZOFFSETFROM:{}", offset_text(before)),
            format!("TZOFFSETTO:{}", offset_text(offset)),
        ]);
        if !name.is_empty() {
            lines.push(format!("TZNAME:{}", escape(&name)));
        }
        lines.push(format!("END:{kind}"));
    }
    lines.push("END:VTIMEZONE".to_owned());
    lines
}

/// `20270329T090000`: a floating (local) date-time.
fn local(at: DateTime) -> String {
    at.strftime("%Y%m%dT%H%M%S").to_string()
}

/// `20270329T070000Z`.
fn utc(at: Timestamp) -> String {
    at.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// `+0100`, `-0330`, with seconds only when the offset has some (LMT).
fn offset_text(offset: Offset) -> String {
    let seconds = offset.seconds();
    let sign = if seconds < 0 { '-' } else { '+' };
    let seconds = seconds.unsigned_abs();
    let mut text = format!("{sign}{:02}{:02}", seconds / 3600, seconds / 60 % 60);
    if !seconds.is_multiple_of(60) {
        let _ = write!(text, "{:02}", seconds % 60);
    }
    text
}

/// A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and line
/// breaks escaped.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            ';' => escaped.push_str("\\;"),
            ',' => escaped.push_str("\\,"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    escaped.push_str("\\n");
                }
            }
            '\n' => escaped.push_str("\\n"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// Lines longer than 75 octets go on with CRLF and a space (RFC 5545
/// §3.1), never inside a UTF-8 character.
fn fold(line: &str) -> String {
    const LIMIT: usize = 75;
    let mut folded = String::with_capacity(line.len() + line.len() / 70 * 3);
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > LIMIT {
            folded.push_str("\r\n ");
            // The space counts in the continuation line's octets.
            width = 1;
        }
        folded.push(c);
        width += c.len_utf8();
    }
    folded
}

#[cfg(test)]
mod tests;
