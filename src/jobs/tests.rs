use super::*;
use chrono::NaiveDate;

#[test]
fn backoff_doubles_and_caps_at_an_hour() {
    assert_eq!(backoff(1), chrono::Duration::seconds(30));
    assert_eq!(backoff(2), chrono::Duration::seconds(60));
    assert_eq!(backoff(3), chrono::Duration::seconds(120));
    assert_eq!(backoff(20), chrono::Duration::seconds(3600));
}

#[test]
fn attempts_run_out() {
    let t = NaiveDate::from_ymd_opt(2026, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    assert_eq!(next_attempt(1, 3, t), Some(t + chrono::Duration::seconds(30)));
    assert_eq!(next_attempt(3, 3, t), None);
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Nothing {}

impl Job for Nothing {
    const KIND: &'static str = "test.nothing";

    async fn run(self, _cx: &Context) -> Result<(), String> {
        Ok(())
    }
}

#[test]
#[should_panic(expected = "registered twice")]
fn a_kind_registered_twice_stops_the_start() {
    let mut r = Registry::new();
    r.register::<Nothing>();
    r.register::<Nothing>();
}

#[test]
fn services_are_found_by_type() {
    let mut s = Services::new();
    s.insert(std::sync::Arc::new(7u32)).insert("letterhead".to_string());
    assert_eq!(s.get::<std::sync::Arc<u32>>().map(|n| **n), Some(7));
    assert_eq!(s.get::<String>().map(String::as_str), Some("letterhead"));
    assert!(s.get::<u32>().is_none());
}

#[test]
fn the_e_mail_kind_keeps_its_name_and_payload() {
    assert_eq!(KIND_EMAIL, "email");
    let email: EmailJob = serde_json::from_str(r#"{"to":"a@b.test","subject":"s","body":"b"}"#).unwrap();
    assert_eq!(email.to, "a@b.test");
}
