//! What the portal tells people without being asked at that moment: the
//! emails of an appointment (with its calendar file) and its reminder, and
//! the warning before an unfinished draft is purged (with the sweep of the
//! files such drafts leave). Run by the notifier's schedule on AWS and by
//! the all-in-one portal's tasks (`requests`: the confirmation of a
//! received request, queued by whichever function receives it); the booking function sends the
//! appointment emails too. `letterhead` signs every email with the city's
//! name, whichever function composed it. `waits` keeps, day by day, how long
//! citizens wait for an appointment (the indicators).

pub mod appointments;
pub mod drafts;
pub mod french;
pub mod letterhead;
pub mod reminders;
pub mod requests;
pub mod waits;
