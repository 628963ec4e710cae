-- The agency's own settings (one row): who the consumer pages, consent text, e-mails and
-- certificates speak for. An empty name means "not set yet": pages fall back to AE_AGENCY_NAME.
-- `version` moves with every save, so each server's cached copy knows when to read it again.
CREATE TABLE agency (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    legal_name TEXT NOT NULL,
    logo TEXT,
    address TEXT NOT NULL,
    phone TEXT NOT NULL,
    website TEXT NOT NULL,
    licences TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    brand_colour TEXT NOT NULL,
    consent_wording TEXT NOT NULL,
    consent_source TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- The consent wording is data, not code: {agency} becomes the agency's name. Its source: the FCC's
-- one-to-one consent rule (47 CFR 64.1200(f)(9), 2023 order FCC 23-107) wants the seller named;
-- the sentence is the wording the quote form has used since it was written.
INSERT INTO agency (id, name, legal_name, logo, address, phone, website, licences, time_zone, brand_colour,
                    consent_wording, consent_source, version, updated_at)
VALUES (1, '', '', NULL, '', '', '', '', 'America/New_York', '#1f5fa8',
        'I agree that {agency} and its licensed insurance agents may contact me about insurance at the phone number and e-mail address I gave, including by calls and text messages sent with automated technology. My consent is not a condition of any purchase, and I can withdraw it at any time.',
        'FCC one-to-one consent (47 CFR 64.1200(f)(9), FCC 23-107): the seller is named in the consent; wording as used by the quote form since 2026-11.',
        1, CURRENT_TIMESTAMP);
