//! Unit tests of the intake validation and its small helpers.

use super::*;
use chrono::TimeZone;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 15).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 15, 12, 0, 0).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

/// A request that passes validation.
fn ok_request() -> LeadRequest {
    LeadRequest {
        first_name: s("Ana"),
        last_name: s("Diaz"),
        email: s("ana@example.com"),
        ..LeadRequest::default()
    }
}

fn ok_consent() -> ConsentRequest {
    ConsentRequest {
        text: s("I agree to be contacted."),
        ..ConsentRequest::default()
    }
}

fn validate(req: &LeadRequest) -> Result<ValidLead, FieldErrors> {
    validate_lead(req, "api", today(), now())
}

/// Asserts that validation fails with exactly one key, `key`, holding `message`.
fn assert_only_error(req: &LeadRequest, key: &str, message: &str) {
    let errors = validate(req).expect_err("expected a validation error");
    assert_eq!(errors.keys().collect::<Vec<_>>(), vec![key], "{errors:?}");
    assert_eq!(errors[key], vec![message.to_string()], "{errors:?}");
}

// --- validate_lead: success ---

#[test]
fn minimal_request_is_valid_with_defaults() {
    let lead = validate(&ok_request()).unwrap();
    assert_eq!(lead.first_name, "Ana");
    assert_eq!(lead.last_name, "Diaz");
    assert_eq!(lead.email.as_deref(), Some("ana@example.com"));
    assert_eq!(lead.phone, None);
    assert_eq!(lead.product_line, ProductLine::Other);
    assert_eq!(lead.source, "api");
    assert_eq!(lead.message, "");
    assert!(lead.tags.is_empty());
    assert!(lead.consent.is_none());
}

#[test]
fn full_json_request_is_valid_and_canonical() {
    let json = r#"{
        "first_name": "  Ana ", "last_name": "Diaz", "email": "Ana@Example.COM",
        "phone": "(305) 555-0142", "birth_date": "1955-03-14", "zip": "33101-0142",
        "state": "florida", "product_line": "Medicare Advantage", "message": " Call after 5 ",
        "source": "facebook", "external_id": "fb-123", "tags": ["Hot", " hot", "t65 "],
        "unknown_field": 42,
        "consent": {
            "text": "I agree.", "given_at": "2025-06-15T08:00:00-04:00", "ip": "2001:DB8::1",
            "user_agent": "Mozilla/5.0", "page_url": "https://example.com/quote",
            "sellers": [" Acme Insurance ", "Best Agency"], "extra": true
        }
    }"#;
    let req: LeadRequest = serde_json::from_str(json).unwrap();
    let lead = validate(&req).unwrap();
    assert_eq!(lead.first_name, "Ana");
    assert_eq!(lead.email.as_deref(), Some("ana@example.com"));
    assert_eq!(lead.phone.as_deref(), Some("+13055550142"));
    assert_eq!(lead.birth_date, Some(date(1955, 3, 14)));
    assert_eq!(lead.zip.as_deref(), Some("33101"));
    assert_eq!(lead.state.as_deref(), Some("FL"));
    assert_eq!(lead.product_line, ProductLine::MedicareAdvantage);
    assert_eq!(lead.message, "Call after 5");
    assert_eq!(lead.source, "facebook");
    assert_eq!(lead.external_id.as_deref(), Some("fb-123"));
    assert_eq!(lead.tags, vec!["hot", "t65"]);
    let consent = lead.consent.unwrap();
    assert_eq!(consent.text, "I agree.");
    assert_eq!(consent.given_at, Utc.with_ymd_and_hms(2025, 6, 15, 12, 0, 0).unwrap());
    assert_eq!(consent.ip.as_deref(), Some("2001:db8::1"));
    assert_eq!(consent.user_agent.as_deref(), Some("Mozilla/5.0"));
    assert_eq!(consent.page_url.as_deref(), Some("https://example.com/quote"));
    assert_eq!(consent.sellers, vec!["Acme Insurance", "Best Agency"]);
}

#[test]
fn phone_only_request_is_valid() {
    let req = LeadRequest {
        email: None,
        phone: s("+1 202-456-1111"),
        ..ok_request()
    };
    assert_eq!(validate(&req).unwrap().phone.as_deref(), Some("+12024561111"));
}

#[test]
fn product_line_key_and_label_forms_are_accepted() {
    for (raw, expected) in [
        ("part_d", ProductLine::PartD),
        ("PART_D", ProductLine::PartD),
        ("part d", ProductLine::PartD),
        ("dental & VISION", ProductLine::DentalVision),
        ("  final   expense ", ProductLine::FinalExpense),
        ("", ProductLine::Other),
    ] {
        let req = LeadRequest {
            product_line: s(raw),
            ..ok_request()
        };
        assert_eq!(validate(&req).unwrap().product_line, expected, "{raw}");
    }
}

#[test]
fn consent_without_given_at_defaults_to_now() {
    let req = LeadRequest {
        consent: Some(ok_consent()),
        ..ok_request()
    };
    let consent = validate(&req).unwrap().consent.unwrap();
    assert_eq!(consent.given_at, now());
    assert!(consent.sellers.is_empty());
}

#[test]
fn consent_given_at_within_skew_is_valid() {
    let req = LeadRequest {
        consent: Some(ConsentRequest {
            given_at: s("2025-06-15T12:05:00Z"),
            ..ok_consent()
        }),
        ..ok_request()
    };
    assert!(validate(&req).is_ok());
}

#[test]
fn birth_date_today_and_1900_are_valid() {
    for raw in ["2025-06-15", "1900-01-01"] {
        let req = LeadRequest {
            birth_date: s(raw),
            ..ok_request()
        };
        assert!(validate(&req).is_ok(), "{raw}");
    }
}

#[test]
fn limits_at_maximum_are_valid() {
    let req = LeadRequest {
        first_name: s(&"é".repeat(100)),
        last_name: s(&"x".repeat(100)),
        message: s(&"m".repeat(5_000)),
        source: s(&"s".repeat(100)),
        external_id: s(&"i".repeat(200)),
        tags: Some((0..20).map(|i| format!("{i:0>40}")).collect()),
        consent: Some(ConsentRequest {
            text: s(&"t".repeat(10_000)),
            page_url: s(&format!("http://{}", "a".repeat(1_993))),
            sellers: Some(vec!["s".repeat(200); 50]),
            ..ConsentRequest::default()
        }),
        ..ok_request()
    };
    assert!(validate(&req).is_ok(), "{:?}", validate(&req).err());
}

// --- validate_lead: one test per rule ---

#[test]
fn first_name_missing_is_error() {
    assert_only_error(
        &LeadRequest {
            first_name: s("   "),
            ..ok_request()
        },
        "first_name",
        "Enter a first name.",
    );
}

#[test]
fn hidden_characters_in_any_text_field_are_errors() {
    let bad = "a\u{202e}b";
    let cases: Vec<(LeadRequest, &str, &str)> = vec![
        (
            LeadRequest {
                first_name: s(bad),
                ..ok_request()
            },
            "first_name",
            "name",
        ),
        (
            LeadRequest {
                last_name: s("\u{0}"),
                ..ok_request()
            },
            "last_name",
            "name",
        ),
        (
            LeadRequest {
                message: s(bad),
                ..ok_request()
            },
            "message",
            "message",
        ),
        (
            LeadRequest {
                source: s(bad),
                ..ok_request()
            },
            "source",
            "source",
        ),
        (
            LeadRequest {
                external_id: s(bad),
                ..ok_request()
            },
            "external_id",
            "external id",
        ),
        (
            LeadRequest {
                tags: Some(vec![bad.into()]),
                ..ok_request()
            },
            "tags",
            "tag",
        ),
        (
            LeadRequest {
                product_line: s(bad),
                ..ok_request()
            },
            "product_line",
            "product line",
        ),
        (
            LeadRequest {
                consent: Some(ConsentRequest {
                    text: s(bad),
                    ..ok_consent()
                }),
                ..ok_request()
            },
            "consent.text",
            "consent text",
        ),
        (
            LeadRequest {
                consent: Some(ConsentRequest {
                    sellers: Some(vec![bad.into()]),
                    ..ok_consent()
                }),
                ..ok_request()
            },
            "consent.sellers",
            "seller name",
        ),
    ];
    for (req, key, what) in cases {
        assert_only_error(
            &req,
            key,
            &format!("Remove the invisible or control characters from this {what}."),
        );
    }
    assert_only_error(
        &LeadRequest {
            email: s("ana\u{0}@example.com"),
            ..ok_request()
        },
        "email",
        "Enter a valid e-mail address.",
    );
}

#[test]
fn names_are_composed_and_need_a_letter() {
    let lead = validate(&LeadRequest {
        first_name: s("Jose\u{301}"),
        ..ok_request()
    })
    .unwrap();
    assert_eq!(lead.first_name, "Jos\u{e9}");
    assert_only_error(
        &LeadRequest {
            last_name: s("42"),
            ..ok_request()
        },
        "last_name",
        "A name must contain at least one letter.",
    );
}

#[test]
fn first_name_too_long_is_error() {
    assert_only_error(
        &LeadRequest {
            first_name: s(&"a".repeat(101)),
            ..ok_request()
        },
        "first_name",
        "A first name is at most 100 characters.",
    );
}

#[test]
fn last_name_missing_is_error() {
    assert_only_error(
        &LeadRequest {
            last_name: None,
            ..ok_request()
        },
        "last_name",
        "Enter a last name.",
    );
}

#[test]
fn last_name_too_long_is_error() {
    assert_only_error(
        &LeadRequest {
            last_name: s(&"a".repeat(101)),
            ..ok_request()
        },
        "last_name",
        "A last name is at most 100 characters.",
    );
}

#[test]
fn email_and_phone_missing_is_error_on_both() {
    let req = LeadRequest {
        email: s(" "),
        phone: None,
        ..ok_request()
    };
    let errors = validate(&req).unwrap_err();
    let message = vec!["Give an e-mail address or a phone number.".to_string()];
    assert_eq!(errors.keys().collect::<Vec<_>>(), vec!["email", "phone"]);
    assert_eq!(errors["email"], message);
    assert_eq!(errors["phone"], message);
}

#[test]
fn email_invalid_is_error() {
    assert_only_error(
        &LeadRequest {
            email: s("ana@example"),
            ..ok_request()
        },
        "email",
        "Enter a valid e-mail address.",
    );
}

#[test]
fn phone_invalid_is_error() {
    assert_only_error(
        &LeadRequest {
            phone: s("555-1234"),
            ..ok_request()
        },
        "phone",
        "Enter a valid phone number, like (305) 555-0142.",
    );
}

#[test]
fn birth_date_bad_format_is_error() {
    for raw in ["03/14/1955", "1955-3-14", "19550314", "1955-03-14T00:00:00"] {
        assert_only_error(
            &LeadRequest {
                birth_date: s(raw),
                ..ok_request()
            },
            "birth_date",
            "Enter the birth date as YYYY-MM-DD, like 1955-03-14.",
        );
    }
}

#[test]
fn birth_date_impossible_day_is_error() {
    assert_only_error(
        &LeadRequest {
            birth_date: s("1955-02-29"),
            ..ok_request()
        },
        "birth_date",
        "There is no such date as 1955-02-29.",
    );
}

#[test]
fn birth_date_in_future_is_error() {
    assert_only_error(
        &LeadRequest {
            birth_date: s("2025-06-16"),
            ..ok_request()
        },
        "birth_date",
        "The birth date cannot be in the future.",
    );
}

#[test]
fn birth_date_before_1900_is_error() {
    assert_only_error(
        &LeadRequest {
            birth_date: s("1899-12-31"),
            ..ok_request()
        },
        "birth_date",
        "The birth date cannot be before 1900.",
    );
}

#[test]
fn zip_malformed_is_error() {
    for raw in ["1234", "123456", "12345-678", "ABCDE", "12345 6789"] {
        assert_only_error(
            &LeadRequest {
                zip: s(raw),
                ..ok_request()
            },
            "zip",
            "Enter a ZIP code like 33101 or 33101-0142.",
        );
    }
}

#[test]
fn zip_and_state_mismatch_is_not_checked() {
    let req = LeadRequest {
        zip: s("10001"),
        state: s("CA"),
        ..ok_request()
    };
    assert!(validate(&req).is_ok());
}

#[test]
fn state_unknown_is_error() {
    assert_only_error(
        &LeadRequest {
            state: s("ZZ"),
            ..ok_request()
        },
        "state",
        "Unknown state \"ZZ\". Use a code like FL or a name like Florida.",
    );
}

#[test]
fn product_line_unknown_is_error() {
    let req = LeadRequest {
        product_line: s("pet"),
        ..ok_request()
    };
    let errors = validate(&req).unwrap_err();
    assert_eq!(errors.keys().collect::<Vec<_>>(), vec!["product_line"]);
    assert!(
        errors["product_line"][0].starts_with("Unknown product line \"pet\". Use one of: Medicare Advantage,"),
        "{errors:?}"
    );
}

#[test]
fn message_too_long_is_error() {
    assert_only_error(
        &LeadRequest {
            message: s(&"m".repeat(5_001)),
            ..ok_request()
        },
        "message",
        "The message is at most 5,000 characters.",
    );
}

#[test]
fn source_too_long_is_error() {
    assert_only_error(
        &LeadRequest {
            source: s(&"s".repeat(101)),
            ..ok_request()
        },
        "source",
        "The source is at most 100 characters.",
    );
}

#[test]
fn external_id_too_long_is_error() {
    assert_only_error(
        &LeadRequest {
            external_id: s(&"i".repeat(201)),
            ..ok_request()
        },
        "external_id",
        "The external id is at most 200 characters.",
    );
}

#[test]
fn tags_too_many_is_error() {
    assert_only_error(
        &LeadRequest {
            tags: Some((0..21).map(|i| format!("tag{i}")).collect()),
            ..ok_request()
        },
        "tags",
        "Give at most 20 tags.",
    );
}

#[test]
fn tags_duplicates_do_not_count_towards_limit() {
    let mut tags: Vec<String> = (0..20).map(|i| format!("tag{i}")).collect();
    tags.extend((0..20).map(|i| format!(" TAG{i} ")));
    let req = LeadRequest {
        tags: Some(tags),
        ..ok_request()
    };
    assert_eq!(validate(&req).unwrap().tags.len(), 20);
}

#[test]
fn tag_empty_is_error() {
    assert_only_error(
        &LeadRequest {
            tags: Some(vec!["ok".into(), "  ".into(), "".into()]),
            ..ok_request()
        },
        "tags",
        "Tags cannot be empty.",
    );
}

#[test]
fn tag_too_long_is_error() {
    assert_only_error(
        &LeadRequest {
            tags: Some(vec!["t".repeat(41)]),
            ..ok_request()
        },
        "tags",
        "A tag is at most 40 characters.",
    );
}

#[test]
fn consent_text_missing_is_error() {
    assert_only_error(
        &LeadRequest {
            consent: Some(ConsentRequest::default()),
            ..ok_request()
        },
        "consent.text",
        "Enter the consent text shown to the consumer.",
    );
}

#[test]
fn consent_text_too_long_is_error() {
    assert_only_error(
        &LeadRequest {
            consent: Some(ConsentRequest {
                text: s(&"t".repeat(10_001)),
                ..ConsentRequest::default()
            }),
            ..ok_request()
        },
        "consent.text",
        "The consent text is at most 10,000 characters.",
    );
}

#[test]
fn consent_given_at_not_rfc3339_is_error() {
    for raw in ["2025-06-15 12:00:00", "2025-06-15", "yesterday"] {
        assert_only_error(
            &LeadRequest {
                consent: Some(ConsentRequest {
                    given_at: s(raw),
                    ..ok_consent()
                }),
                ..ok_request()
            },
            "consent.given_at",
            "Enter the consent time in RFC 3339 form, like 2024-05-01T14:30:00Z.",
        );
    }
}

#[test]
fn consent_given_at_in_future_is_error() {
    assert_only_error(
        &LeadRequest {
            consent: Some(ConsentRequest {
                given_at: s("2025-06-15T12:05:01Z"),
                ..ok_consent()
            }),
            ..ok_request()
        },
        "consent.given_at",
        "The consent time cannot be in the future.",
    );
}

#[test]
fn consent_ip_invalid_is_error() {
    assert_only_error(
        &LeadRequest {
            consent: Some(ConsentRequest {
                ip: s("256.1.1.1"),
                ..ok_consent()
            }),
            ..ok_request()
        },
        "consent.ip",
        "Enter a valid IP address, like 203.0.113.7.",
    );
}

#[test]
fn consent_user_agent_too_long_is_error() {
    assert_only_error(
        &LeadRequest {
            consent: Some(ConsentRequest {
                user_agent: s(&"u".repeat(1_001)),
                ..ok_consent()
            }),
            ..ok_request()
        },
        "consent.user_agent",
        "The user agent is at most 1,000 characters.",
    );
}

#[test]
fn consent_page_url_without_scheme_is_error() {
    for raw in [
        "example.com/quote",
        "ftp://example.com",
        "javascript:alert(1)",
        "https://",
    ] {
        assert_only_error(
            &LeadRequest {
                consent: Some(ConsentRequest {
                    page_url: s(raw),
                    ..ok_consent()
                }),
                ..ok_request()
            },
            "consent.page_url",
            "Enter the page address starting with http:// or https://.",
        );
    }
}

#[test]
fn consent_page_url_too_long_is_error() {
    assert_only_error(
        &LeadRequest {
            consent: Some(ConsentRequest {
                page_url: s(&format!("https://{}", "a".repeat(1_993))),
                ..ok_consent()
            }),
            ..ok_request()
        },
        "consent.page_url",
        "The page address is at most 2,000 characters.",
    );
}

#[test]
fn consent_sellers_too_many_is_error() {
    assert_only_error(
        &LeadRequest {
            consent: Some(ConsentRequest {
                sellers: Some(vec!["Acme".to_string(); 51]),
                ..ok_consent()
            }),
            ..ok_request()
        },
        "consent.sellers",
        "List at most 50 sellers.",
    );
}

#[test]
fn consent_seller_empty_is_error() {
    assert_only_error(
        &LeadRequest {
            consent: Some(ConsentRequest {
                sellers: Some(vec!["Acme".into(), " ".into()]),
                ..ok_consent()
            }),
            ..ok_request()
        },
        "consent.sellers",
        "Seller names cannot be empty.",
    );
}

#[test]
fn consent_seller_too_long_is_error() {
    assert_only_error(
        &LeadRequest {
            consent: Some(ConsentRequest {
                sellers: Some(vec!["s".repeat(201)]),
                ..ok_consent()
            }),
            ..ok_request()
        },
        "consent.sellers",
        "A seller name is at most 200 characters.",
    );
}

#[test]
fn many_problems_are_all_reported() {
    let req = LeadRequest {
        first_name: None,
        last_name: None,
        email: s("nope"),
        phone: s("123"),
        birth_date: s("tomorrow"),
        zip: s("1"),
        state: s("XX"),
        product_line: s("boat"),
        consent: Some(ConsentRequest {
            ip: s("x"),
            ..ConsentRequest::default()
        }),
        tags: Some(vec![String::new()]),
        ..LeadRequest::default()
    };
    let errors = validate(&req).unwrap_err();
    assert_eq!(
        errors.keys().collect::<Vec<_>>(),
        vec![
            "birth_date",
            "consent.ip",
            "consent.text",
            "email",
            "first_name",
            "last_name",
            "phone",
            "product_line",
            "state",
            "tags",
            "zip"
        ]
    );
}

#[test]
fn empty_json_object_deserialises_and_fails_on_required_fields() {
    let req: LeadRequest = serde_json::from_str("{}").unwrap();
    let errors = validate(&req).unwrap_err();
    assert_eq!(
        errors.keys().collect::<Vec<_>>(),
        vec!["email", "first_name", "last_name", "phone"]
    );
}

// --- age_on ---

#[test]
fn age_on_day_before_birthday_is_one_less() {
    assert_eq!(age_on(date(1960, 7, 1), date(2025, 6, 30)), 64);
    assert_eq!(age_on(date(1960, 7, 1), date(2025, 7, 1)), 65);
    assert_eq!(age_on(date(1960, 7, 1), date(2025, 7, 2)), 65);
}

#[test]
fn age_on_year_end_boundaries_are_exact() {
    assert_eq!(age_on(date(1960, 12, 31), date(2025, 12, 30)), 64);
    assert_eq!(age_on(date(1960, 12, 31), date(2025, 12, 31)), 65);
    assert_eq!(age_on(date(1960, 1, 1), date(2025, 1, 1)), 65);
    assert_eq!(age_on(date(1960, 1, 1), date(2024, 12, 31)), 64);
}

#[test]
fn age_on_leap_day_birthday_counts_from_march_first_in_common_years() {
    let birth = date(1960, 2, 29);
    assert_eq!(age_on(birth, date(2025, 2, 28)), 64);
    assert_eq!(age_on(birth, date(2025, 3, 1)), 65);
    assert_eq!(age_on(birth, date(2024, 2, 28)), 63);
    assert_eq!(age_on(birth, date(2024, 2, 29)), 64);
}

#[test]
fn age_on_birth_day_or_earlier_is_zero() {
    assert_eq!(age_on(date(2025, 6, 15), date(2025, 6, 15)), 0);
    assert_eq!(age_on(date(2025, 6, 15), date(2020, 1, 1)), 0);
    assert_eq!(age_on(date(2024, 6, 15), date(2025, 6, 14)), 0);
    assert_eq!(age_on(date(2024, 6, 15), date(2025, 6, 15)), 1);
}

// --- normalise_zip ---

#[test]
fn normalise_zip_accepts_five_and_plus_four() {
    assert_eq!(normalise_zip("02108"), Ok("02108".to_string()));
    assert_eq!(normalise_zip(" 33101-0142 "), Ok("33101".to_string()));
}

#[test]
fn normalise_zip_rejects_other_shapes() {
    for raw in ["", "2108", "021080", "02108-", "02108-12345", "0210８", "a2108"] {
        assert!(normalise_zip(raw).is_err(), "{raw}");
    }
}
