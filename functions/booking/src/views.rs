//! What the API answers about appointments and slots.

use gru_domain::agenda::Slot;
use gru_domain::appointment::{Appointment, Status};
use gru_notices::french;
use gru_records::agendas::CityAgendas;
use jiff::Timestamp;
use serde::Serialize;

/// An appointment as its citizen sees it.
#[derive(Debug, Serialize)]
pub struct AppointmentView {
    pub id: String,
    pub status: Status,
    pub agenda: String,
    pub agenda_title: String,
    pub place: String,
    pub address: String,
    #[serde(rename = "type")]
    pub appointment_type: String,
    pub type_title: String,
    pub start: Timestamp,
    pub end: Timestamp,
    /// « lundi 29 mars 2027 à 9 h 00 », on the city's clock.
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Whether it can still be cancelled or moved.
    pub can_change: bool,
    /// The questions the booking asked and their answers, in the type's order.
    pub answers: Vec<AnswerView>,
    /// What to bring.
    pub bring: Vec<String>,
}

/// One question of the booking form and its answer.
#[derive(Debug, Serialize)]
pub struct AnswerView {
    pub label: String,
    pub answer: String,
}

impl AppointmentView {
    pub fn new(appointment: &Appointment, agendas: &CityAgendas, now: Timestamp) -> Self {
        let agenda = agendas.agenda(&appointment.slot.agenda);
        let kind = agenda.and_then(|a| a.appointment_type(&appointment.slot.appointment_type));
        let type_title =
            kind.map(|t| t.title.clone()).unwrap_or_else(|| appointment.slot.appointment_type.clone());
        let answers = kind
            .map(|t| {
                t.questions
                    .iter()
                    .filter_map(|q| {
                        let answer = appointment.answers.get(&q.id)?;
                        Some(AnswerView { label: q.label.clone(), answer: answer.clone() })
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            id: appointment.id.clone(),
            status: appointment.status,
            agenda: appointment.slot.agenda.clone(),
            agenda_title: agenda.map(|a| a.title.clone()).unwrap_or_default(),
            place: agenda.map(|a| a.place.clone()).unwrap_or_default(),
            address: agenda.map(|a| a.address.clone()).unwrap_or_default(),
            appointment_type: appointment.slot.appointment_type.clone(),
            type_title,
            start: appointment.slot.start,
            end: appointment.slot.end,
            label: french::date_time(agendas.local(appointment.slot.start)),
            reference: appointment.reference.clone(),
            can_change: appointment.is_active(now),
            answers,
            bring: kind.map(|t| t.bring.clone()).unwrap_or_default(),
        }
    }
}

/// An appointment as agents see it: with the citizen's contact.
#[derive(Debug, Serialize)]
pub struct AgentAppointmentView {
    #[serde(flatten)]
    pub appointment: AppointmentView,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub channel: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub booked_by: Option<String>,
    /// « 9 h 00 », for the planning's rows.
    pub time: String,
}

impl AgentAppointmentView {
    pub fn new(appointment: &Appointment, agendas: &CityAgendas, now: Timestamp) -> Self {
        Self {
            appointment: AppointmentView::new(appointment, agendas, now),
            name: appointment.contact.name.clone(),
            email: appointment.contact.email.clone(),
            phone: appointment.contact.phone.clone(),
            channel: appointment.channel.clone(),
            booked_by: appointment.booked_by.clone(),
            time: french::time(agendas.local(appointment.slot.start)),
        }
    }
}

/// One free slot, for the picker: the label is what a screen reader says.
#[derive(Debug, Serialize)]
pub struct SlotView {
    pub agenda: String,
    pub agenda_title: String,
    pub place: String,
    pub start: Timestamp,
    pub end: Timestamp,
    /// « 9 h 00 ».
    pub time: String,
    /// « lundi 29 mars 2027 à 9 h 00 — Mairie centrale … ».
    pub label: String,
    pub places_left: u32,
}

/// The free slots of one day.
#[derive(Debug, Serialize)]
pub struct DayView<T> {
    pub date: jiff::civil::Date,
    /// « lundi 29 mars 2027 ».
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed: Option<String>,
    #[serde(flatten)]
    pub content: T,
}

#[derive(Debug, Serialize)]
pub struct Slots {
    pub slots: Vec<SlotView>,
}

#[derive(Debug, Serialize)]
pub struct Appointments {
    pub appointments: Vec<AgentAppointmentView>,
}

/// Free slots grouped by the city's day, in time order; days without a
/// slot are left out.
pub fn slot_days(slots: &[Slot], agendas: &CityAgendas) -> Vec<DayView<Slots>> {
    let mut days: Vec<DayView<Slots>> = Vec::new();
    for slot in slots {
        let date = slot.local_start.date();
        let agenda = agendas.agenda(&slot.agenda);
        let agenda_title = agenda.map(|a| a.title.clone()).unwrap_or_default();
        let view = SlotView {
            agenda: slot.agenda.clone(),
            label: format!("{} — {agenda_title}", french::date_time(slot.local_start)),
            agenda_title,
            place: agenda.map(|a| a.place.clone()).unwrap_or_default(),
            start: slot.start,
            end: slot.end,
            time: french::time(slot.local_start),
            places_left: slot.places_left,
        };
        match days.last_mut() {
            Some(day) if day.date == date => day.content.slots.push(view),
            _ => days.push(DayView {
                date,
                label: french::date(date),
                closed: None,
                content: Slots { slots: vec![view] },
            }),
        }
    }
    days
}
