//! French public holidays, computed rather than listed, so agendas are right
//! every year without anyone typing dates: the fixed ones, those that follow
//! Easter (Easter Monday, Ascension, Whit Monday), and the two extra days of
//! Alsace-Moselle (Good Friday, Saint Stephen's Day) for the cities there.

use jiff::civil::Date;
use jiff::{Span, ToSpan};

/// Which calendar a city follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HolidayCalendar {
    /// The national list (Code du travail, article L3133-1).
    #[default]
    France,
    /// The national list plus Good Friday and 26 December (Bas-Rhin,
    /// Haut-Rhin, Moselle).
    AlsaceMoselle,
}

/// One public holiday.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    pub date: Date,
    /// Its French name, as shown to citizens and agents.
    pub name: &'static str,
}

/// Easter Sunday of a Gregorian year (the anonymous Gregorian algorithm,
/// also known as Meeus/Jones/Butcher).
pub fn easter(year: i16) -> Date {
    let y = i32::from(year);
    let (a, b, c) = (y % 19, y / 100, y % 100);
    let (d, e) = (b / 4, b % 4);
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    // Month is 3 or 4 and day 1 to 31 by construction.
    Date::new(year, month as i8, day as i8).expect("Easter is a valid date")
}

/// The public holidays of `year`, in date order.
pub fn holidays(year: i16, calendar: HolidayCalendar) -> Vec<Holiday> {
    let fixed =
        |month: i8, day: i8, name| Holiday { date: Date::new(year, month, day).expect("a valid date"), name };
    let easter = easter(year);
    let after_easter = |days: i64, name| Holiday { date: shift(easter, days.days()), name };
    let mut list = vec![
        fixed(1, 1, "Jour de l'an"),
        after_easter(1, "Lundi de Pâques"),
        fixed(5, 1, "Fête du Travail"),
        fixed(5, 8, "Victoire 1945"),
        after_easter(39, "Ascension"),
        after_easter(50, "Lundi de Pentecôte"),
        fixed(7, 14, "Fête nationale"),
        fixed(8, 15, "Assomption"),
        fixed(11, 1, "Toussaint"),
        fixed(11, 11, "Armistice 1918"),
        fixed(12, 25, "Noël"),
    ];
    if calendar == HolidayCalendar::AlsaceMoselle {
        list.push(after_easter(-2, "Vendredi saint"));
        list.push(fixed(12, 26, "Saint-Étienne"));
    }
    list.sort_by_key(|h| h.date);
    list
}

/// Whether `date` is a public holiday.
pub fn is_holiday(date: Date, calendar: HolidayCalendar) -> bool {
    holidays(date.year(), calendar).iter().any(|h| h.date == date)
}

fn shift(date: Date, by: Span) -> Date {
    date.checked_add(by).expect("holidays stay within the year")
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn easter_on_known_years() {
        for (year, month, day) in [
            (1943, 4, 25), // the latest possible
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2028, 4, 16),
            (2038, 4, 25),
            (2285, 3, 22), // the earliest possible
        ] {
            assert_eq!(easter(year), date(year, month, day), "{year}");
        }
    }

    #[test]
    fn the_2027_holidays() {
        let days: Vec<(Date, &str)> =
            holidays(2027, HolidayCalendar::France).into_iter().map(|h| (h.date, h.name)).collect();
        assert_eq!(days.len(), 11);
        assert!(days.contains(&(date(2027, 3, 29), "Lundi de Pâques")));
        assert!(days.contains(&(date(2027, 5, 6), "Ascension")));
        assert!(days.contains(&(date(2027, 5, 17), "Lundi de Pentecôte")));
        assert!(days.windows(2).all(|w| w[0].0 < w[1].0), "in date order");
    }

    #[test]
    fn alsace_moselle_has_two_more_days() {
        assert!(is_holiday(date(2027, 3, 26), HolidayCalendar::AlsaceMoselle), "Good Friday");
        assert!(!is_holiday(date(2027, 3, 26), HolidayCalendar::France));
        assert!(is_holiday(date(2027, 12, 26), HolidayCalendar::AlsaceMoselle));
        assert_eq!(holidays(2027, HolidayCalendar::AlsaceMoselle).len(), 13);
        assert!(!is_holiday(date(2027, 3, 30), HolidayCalendar::France), "an ordinary Tuesday");
    }
}
