//! Dates and times as French readers (and screen readers) expect them:
//! « lundi 29 mars 2027 », « 9 h 00 ».

use jiff::civil::{Date, DateTime, Weekday};

const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

fn weekday(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "lundi",
        Weekday::Tuesday => "mardi",
        Weekday::Wednesday => "mercredi",
        Weekday::Thursday => "jeudi",
        Weekday::Friday => "vendredi",
        Weekday::Saturday => "samedi",
        Weekday::Sunday => "dimanche",
    }
}

/// « lundi 29 mars 2027 » (« 1er » for the first of the month).
pub fn date(day: Date) -> String {
    let number = if day.day() == 1 { "1er".to_owned() } else { day.day().to_string() };
    format!("{} {number} {} {}", weekday(day.weekday()), MONTHS[day.month() as usize - 1], day.year())
}

/// « 9 h 00 ».
pub fn time(at: DateTime) -> String {
    format!("{} h {:02}", at.hour(), at.minute())
}

/// « lundi 29 mars 2027 à 9 h 00 ».
pub fn date_time(at: DateTime) -> String {
    format!("{} à {}", date(at.date()), time(at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date as civil;

    #[test]
    fn reads_as_french() {
        assert_eq!(date(civil(2027, 3, 29)), "lundi 29 mars 2027");
        assert_eq!(date(civil(2027, 8, 1)), "dimanche 1er août 2027");
        assert_eq!(date_time(civil(2027, 3, 29).at(9, 5, 0, 0)), "lundi 29 mars 2027 à 9 h 05");
    }
}
