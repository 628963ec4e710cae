// Matches migrations/sqlite and migrations/postgres (the same tables in each dialect).
// Regenerate with `diesel print-schema` after a migration; do not drift from the SQL.

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        name -> Text,
        password_hash -> Nullable<Text>,
        role -> Text,
        active -> Bool,
        time_zone -> Text,
        session_version -> Integer,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        last_login_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    account_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        purpose -> Text,
        token_hash -> Text,
        created_by -> Nullable<BigInt>,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        name -> Text,
        prefix -> Text,
        token_hash -> Text,
        scopes -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        owner_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    jobs (id) {
        id -> BigInt,
        kind -> Text,
        payload -> Text,
        status -> Text,
        run_at -> Timestamp,
        attempts -> Integer,
        max_attempts -> Integer,
        last_error -> Nullable<Text>,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        actor_id -> Nullable<BigInt>,
        actor_label -> Text,
        action -> Text,
        entity -> Text,
        entity_id -> Nullable<BigInt>,
        details -> Text,
        ip -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    teams (id) {
        id -> BigInt,
        name -> Text,
        leader_agent_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    agents (id) {
        id -> BigInt,
        user_id -> BigInt,
        slug -> Text,
        npn -> Nullable<Text>,
        phone -> Nullable<Text>,
        photo_path -> Nullable<Text>,
        bio -> Text,
        languages -> Text,
        leads_per_day -> Integer,
        max_open_leads -> Integer,
        accepting_leads -> Bool,
        working_hours -> Text,
        declared_states -> Text,
        team_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        office_zip -> Nullable<Text>,
    }
}

diesel::table! {
    agent_licenses (id) {
        id -> BigInt,
        agent_id -> BigInt,
        state -> Text,
        number -> Text,
        resident -> Bool,
        lines -> Text,
        issued_on -> Date,
        expires_on -> Date,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    certifications (id) {
        id -> BigInt,
        agent_id -> BigInt,
        kind -> Text,
        plan_year -> Integer,
        earned_on -> Date,
        expires_on -> Date,
        source -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    reminders_sent (id) {
        id -> BigInt,
        key -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    contacts (id) {
        id -> BigInt,
        first_name -> Text,
        last_name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        birth_date -> Nullable<Date>,
        zip -> Nullable<Text>,
        state -> Nullable<Text>,
        city -> Nullable<Text>,
        lat -> Nullable<Double>,
        lon -> Nullable<Double>,
        do_not_call -> Bool,
        do_not_call_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    leads (id) {
        id -> BigInt,
        contact_id -> BigInt,
        source -> Text,
        product_line -> Text,
        message -> Text,
        tags -> Text,
        status -> Text,
        assigned_agent_id -> Nullable<BigInt>,
        external_id -> Nullable<Text>,
        has_consent -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        assigned_at -> Nullable<Timestamp>,
        contacted_at -> Nullable<Timestamp>,
        qualified_at -> Nullable<Timestamp>,
        quoted_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        score -> Nullable<Integer>,
        score_factors -> Text,
        intent -> Nullable<Text>,
        urgency -> Nullable<Text>,
        scored_by -> Nullable<Text>,
        unassigned_reason -> Nullable<Text>,
        escalated_at -> Nullable<Timestamp>,
        api_token_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    routing_rules (id) {
        id -> BigInt,
        definition -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    offers (id) {
        id -> BigInt,
        lead_id -> BigInt,
        agent_id -> BigInt,
        rule_id -> Nullable<BigInt>,
        status -> Text,
        deadline -> Timestamp,
        responded_at -> Nullable<Timestamp>,
        decline_reason -> Nullable<Text>,
        explanation -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    scoring_models (id) {
        id -> BigInt,
        version -> Text,
        kind -> Text,
        params -> Text,
        auc -> Nullable<Double>,
        rules_auc -> Nullable<Double>,
        calibration -> Text,
        train_size -> Integer,
        holdout_size -> Integer,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    lead_consents (id) {
        id -> BigInt,
        lead_id -> BigInt,
        text -> Text,
        given_at -> Timestamp,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        page_url -> Nullable<Text>,
        sellers -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    lead_events (id) {
        id -> BigInt,
        lead_id -> BigInt,
        actor_id -> Nullable<BigInt>,
        actor_label -> Text,
        kind -> Text,
        details -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    lead_tasks (id) {
        id -> BigInt,
        lead_id -> BigInt,
        assignee_id -> BigInt,
        title -> Text,
        due_at -> Timestamp,
        done_at -> Nullable<Timestamp>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_idempotency (id) {
        id -> BigInt,
        token_id -> BigInt,
        key -> Text,
        request_hash -> Text,
        status -> Integer,
        response -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    lead_imports (id) {
        id -> BigInt,
        created_by -> Nullable<BigInt>,
        file_name -> Text,
        file_path -> Text,
        mapping -> Text,
        status -> Text,
        total_bytes -> BigInt,
        processed_bytes -> BigInt,
        processed_rows -> Integer,
        created_count -> Integer,
        attached_count -> Integer,
        rejected_count -> Integer,
        report_path -> Nullable<Text>,
        error -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> BigInt,
        url -> Text,
        secret -> Text,
        events -> Text,
        active -> Bool,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        endpoint_id -> BigInt,
        event -> Text,
        lead_id -> Nullable<BigInt>,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        response_status -> Nullable<Integer>,
        error -> Nullable<Text>,
        created_at -> Timestamp,
        last_attempt_at -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
        policy_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    agency (id) {
        id -> BigInt,
        name -> Text,
        legal_name -> Text,
        logo -> Nullable<Text>,
        address -> Text,
        phone -> Text,
        website -> Text,
        licences -> Text,
        time_zone -> Text,
        brand_colour -> Text,
        consent_wording -> Text,
        consent_source -> Text,
        version -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    app_settings (key) {
        key -> Text,
        value -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        body -> Text,
        link -> Text,
        read_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        subject -> Nullable<Text>,
        outcome -> Nullable<Text>,
    }
}

diesel::table! {
    routing_version (id) {
        id -> Integer,
        version -> BigInt,
    }
}

diesel::table! {
    config_version (id) {
        id -> Integer,
        version -> BigInt,
    }
}

diesel::table! {
    bench_rows (id) {
        id -> BigInt,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    courses (id) {
        id -> BigInt,
        title -> Text,
        summary -> Text,
        cover_path -> Nullable<Text>,
        published -> Bool,
        cert_kind -> Nullable<Text>,
        cert_plan_year -> Nullable<Integer>,
        validity_months -> Nullable<Integer>,
        pass_mark -> Integer,
        due_days -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    course_modules (id) {
        id -> BigInt,
        course_id -> BigInt,
        title -> Text,
        position -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    lessons (id) {
        id -> BigInt,
        course_id -> BigInt,
        module_id -> BigInt,
        title -> Text,
        body -> Text,
        video_path -> Nullable<Text>,
        video_url -> Nullable<Text>,
        required -> Bool,
        position -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    lesson_documents (id) {
        id -> BigInt,
        lesson_id -> BigInt,
        file_name -> Text,
        original_name -> Text,
        size_bytes -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    questions (id) {
        id -> BigInt,
        course_id -> BigInt,
        kind -> Text,
        prompt -> Text,
        explanation -> Text,
        tags -> Text,
        retired -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    choices (id) {
        id -> BigInt,
        question_id -> BigInt,
        body -> Text,
        correct -> Bool,
        position -> Integer,
    }
}

diesel::table! {
    quizzes (id) {
        id -> BigInt,
        course_id -> BigInt,
        title -> Text,
        question_count -> Integer,
        tag -> Nullable<Text>,
        pass_mark -> Integer,
        max_attempts -> Integer,
        time_limit_minutes -> Nullable<Integer>,
        is_final -> Bool,
        created_at -> Timestamp,
        failed_reveals -> Text,
    }
}

diesel::table! {
    enrollments (id) {
        id -> BigInt,
        course_id -> BigInt,
        user_id -> BigInt,
        assigned_by -> Nullable<BigInt>,
        due_on -> Nullable<Date>,
        status -> Text,
        cycle -> Integer,
        last_lesson_id -> Nullable<BigInt>,
        completed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    lesson_progress (id) {
        id -> BigInt,
        enrollment_id -> BigInt,
        lesson_id -> BigInt,
        completed_at -> Timestamp,
    }
}

diesel::table! {
    quiz_attempts (id) {
        id -> BigInt,
        quiz_id -> BigInt,
        enrollment_id -> BigInt,
        user_id -> BigInt,
        status -> Text,
        started_at -> Timestamp,
        deadline_at -> Nullable<Timestamp>,
        submitted_at -> Nullable<Timestamp>,
        score -> Nullable<Integer>,
        passed -> Bool,
    }
}

diesel::table! {
    attempt_questions (id) {
        id -> BigInt,
        attempt_id -> BigInt,
        question_id -> BigInt,
        position -> Integer,
        choice_order -> Text,
        answer -> Nullable<Text>,
        correct -> Nullable<Bool>,
    }
}

diesel::table! {
    certificates (id) {
        id -> BigInt,
        code -> Text,
        enrollment_id -> BigInt,
        course_id -> BigInt,
        user_id -> BigInt,
        holder_name -> Text,
        course_title -> Text,
        score -> Nullable<Integer>,
        issued_on -> Date,
        expires_on -> Nullable<Date>,
        certification_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    carriers (id) {
        id -> BigInt,
        name -> Text,
        naic_code -> Nullable<Text>,
        contact_name -> Text,
        contact_email -> Text,
        contact_phone -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    carrier_products (id) {
        id -> BigInt,
        carrier_id -> BigInt,
        name -> Text,
        product_line -> Text,
        sub_type -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    soa_records (id) {
        id -> BigInt,
        contact_id -> BigInt,
        agent_id -> BigInt,
        lead_id -> Nullable<BigInt>,
        product_types -> Text,
        method -> Text,
        status -> Text,
        appointment_at -> Nullable<Timestamp>,
        signed_at -> Nullable<Timestamp>,
        valid_until -> Nullable<Timestamp>,
        retain_until -> Date,
        signed_name -> Nullable<Text>,
        signed_text -> Nullable<Text>,
        signed_ip -> Nullable<Text>,
        signed_user_agent -> Nullable<Text>,
        token_hash -> Nullable<Text>,
        token_expires_at -> Nullable<Timestamp>,
        token_used_at -> Nullable<Timestamp>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    policies (id) {
        id -> BigInt,
        contact_id -> BigInt,
        agent_id -> BigInt,
        carrier_id -> BigInt,
        product_id -> BigInt,
        lead_id -> Nullable<BigInt>,
        soa_id -> Nullable<BigInt>,
        renewal_of_id -> Nullable<BigInt>,
        policy_number -> Text,
        insured_name -> Text,
        status -> Text,
        product_line -> Text,
        submitted_on -> Date,
        effective_on -> Date,
        term_end_on -> Date,
        premium_cents -> BigInt,
        billing_frequency -> Text,
        lives -> Integer,
        plan_year -> Nullable<Integer>,
        enrollment_type -> Nullable<Text>,
        coverage -> Text,
        insured_street -> Text,
        insured_city -> Text,
        insured_state -> Text,
        insured_zip -> Text,
        cancel_reason -> Nullable<Text>,
        cancelled_on -> Nullable<Date>,
        source -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        status_changed_at -> Timestamp,
    }
}

diesel::table! {
    policy_renewals (policy_id) {
        policy_id -> BigInt,
        status -> Text,
        offered_premium_cents -> Nullable<BigInt>,
        offered_term_end_on -> Nullable<Date>,
        notified_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
        renewed_policy_id -> Nullable<BigInt>,
        decline_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    policy_events (id) {
        id -> BigInt,
        policy_id -> BigInt,
        actor_id -> Nullable<BigInt>,
        actor_label -> Text,
        kind -> Text,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        details -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    policy_endorsements (id) {
        id -> BigInt,
        policy_id -> BigInt,
        kind -> Text,
        effective_on -> Date,
        description -> Text,
        before_value -> Text,
        after_value -> Text,
        premium_delta_cents -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    policy_instalments (id) {
        id -> BigInt,
        policy_id -> BigInt,
        seq -> Integer,
        due_on -> Date,
        amount_cents -> BigInt,
        paid_cents -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    policy_payments (id) {
        id -> BigInt,
        policy_id -> BigInt,
        amount_cents -> BigInt,
        paid_on -> Date,
        method -> Text,
        reference -> Text,
        recorded_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    policy_payment_allocations (id) {
        id -> BigInt,
        payment_id -> BigInt,
        instalment_id -> BigInt,
        amount_cents -> BigInt,
    }
}

diesel::table! {
    policy_documents (id) {
        id -> BigInt,
        policy_id -> BigInt,
        kind -> Text,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        storage_key -> Text,
        sha256 -> Text,
        uploaded_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        verified_at -> Nullable<Timestamp>,
        verified_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    policy_imports (id) {
        id -> BigInt,
        created_by -> Nullable<BigInt>,
        file_name -> Text,
        file_path -> Text,
        mapping -> Text,
        status -> Text,
        total_bytes -> BigInt,
        processed_bytes -> BigInt,
        processed_rows -> Integer,
        created_count -> Integer,
        duplicate_count -> Integer,
        rejected_count -> Integer,
        report_path -> Nullable<Text>,
        error -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    policy_rules (key) {
        key -> Text,
        value -> Text,
        label -> Text,
        source -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    commission_schedules (id) {
        id -> BigInt,
        carrier_id -> BigInt,
        product_id -> BigInt,
        state -> Nullable<Text>,
        min_age -> Nullable<Integer>,
        max_age -> Nullable<Integer>,
        effective_from -> Date,
        effective_to -> Nullable<Date>,
        basis -> Text,
        first_year_rate -> BigInt,
        renewal_bands -> Text,
        pay_mode -> Text,
        advance_months -> Integer,
        replaces_id -> Nullable<BigInt>,
        note -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    cms_limits (id) {
        id -> BigInt,
        year -> Integer,
        product -> Text,
        region -> Text,
        initial_cents -> BigInt,
        renewal_cents -> BigInt,
        referral_cents -> Nullable<BigInt>,
        source -> Text,
        updated_by -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    commission_rules (key) {
        key -> Text,
        value -> Text,
        label -> Text,
        source -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    commission_levels (id) {
        id -> BigInt,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    commission_level_rates (id) {
        id -> BigInt,
        level_id -> BigInt,
        share_bps -> Integer,
        effective_from -> Date,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    agent_hierarchy (id) {
        id -> BigInt,
        agent_id -> BigInt,
        level_id -> BigInt,
        upline_agent_id -> Nullable<BigInt>,
        effective_from -> Date,
        note -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    commission_splits (id) {
        id -> BigInt,
        policy_id -> BigInt,
        effective_from -> Date,
        note -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    commission_split_shares (id) {
        id -> BigInt,
        split_id -> BigInt,
        payee_kind -> Text,
        payee_id -> BigInt,
        role -> Text,
        share_bps -> Integer,
        takes_remainder -> Bool,
    }
}

diesel::table! {
    commission_entries (id) {
        id -> BigInt,
        policy_id -> Nullable<BigInt>,
        payee_kind -> Text,
        payee_id -> BigInt,
        role -> Text,
        period -> Date,
        kind -> Text,
        amount_cents -> BigInt,
        source -> Text,
        schedule_id -> Nullable<BigInt>,
        run_id -> Nullable<BigInt>,
        note -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    commission_holds (id) {
        id -> BigInt,
        policy_id -> BigInt,
        agent_id -> BigInt,
        reason -> Text,
        created_at -> Timestamp,
        released_at -> Nullable<Timestamp>,
        released_by -> Nullable<BigInt>,
        release_reason -> Nullable<Text>,
    }
}

diesel::table! {
    commission_runs (id) {
        id -> BigInt,
        period -> Date,
        status -> Text,
        policies -> Integer,
        entries -> Integer,
        last_policy_id -> BigInt,
        requested_by -> Nullable<BigInt>,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    payout_batches (id) {
        id -> BigInt,
        period -> Date,
        statements -> Integer,
        total_cents -> BigInt,
        paid_by -> Nullable<BigInt>,
        paid_at -> Timestamp,
    }
}

diesel::table! {
    payee_statements (id) {
        id -> BigInt,
        payee_kind -> Text,
        payee_id -> BigInt,
        period -> Date,
        opening_cents -> BigInt,
        entries_cents -> BigInt,
        closing_cents -> BigInt,
        payout_cents -> BigInt,
        carried_cents -> BigInt,
        status -> Text,
        locked_by -> Nullable<BigInt>,
        locked_at -> Timestamp,
        batch_id -> Nullable<BigInt>,
        paid_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    payee_statement_entries (entry_id) {
        statement_id -> BigInt,
        entry_id -> BigInt,
    }
}

diesel::joinable!(notifications -> users (user_id));
diesel::joinable!(account_tokens -> users (user_id));
diesel::joinable!(agents -> users (user_id));
diesel::joinable!(agents -> teams (team_id));
diesel::joinable!(agent_licenses -> agents (agent_id));
diesel::joinable!(certifications -> agents (agent_id));
diesel::joinable!(leads -> contacts (contact_id));
diesel::joinable!(offers -> leads (lead_id));
diesel::joinable!(leads -> agents (assigned_agent_id));
diesel::joinable!(lead_events -> leads (lead_id));
diesel::joinable!(lead_consents -> leads (lead_id));
diesel::joinable!(lead_tasks -> leads (lead_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(audit_log -> users (actor_id));
diesel::joinable!(course_modules -> courses (course_id));
diesel::joinable!(lessons -> course_modules (module_id));
diesel::joinable!(lesson_documents -> lessons (lesson_id));
diesel::joinable!(questions -> courses (course_id));
diesel::joinable!(choices -> questions (question_id));
diesel::joinable!(quizzes -> courses (course_id));
diesel::joinable!(enrollments -> courses (course_id));
diesel::joinable!(lesson_progress -> enrollments (enrollment_id));
diesel::joinable!(quiz_attempts -> quizzes (quiz_id));
diesel::joinable!(attempt_questions -> quiz_attempts (attempt_id));
diesel::joinable!(attempt_questions -> questions (question_id));
diesel::joinable!(certificates -> courses (course_id));
diesel::joinable!(enrollments -> users (user_id));
diesel::joinable!(user_sessions -> users (user_id));

diesel::table! {
    user_sessions (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        ip -> Text,
        user_agent -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        end_reason -> Nullable<Text>,
    }
}

diesel::table! {
    login_throttles (email, ip) {
        email -> Text,
        ip -> Text,
        failures -> Integer,
        locked_until -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(carrier_products -> carriers (carrier_id));
diesel::joinable!(policies -> contacts (contact_id));
diesel::joinable!(policies -> agents (agent_id));
diesel::joinable!(policies -> carriers (carrier_id));
diesel::joinable!(policies -> carrier_products (product_id));
diesel::joinable!(policies -> soa_records (soa_id));
diesel::joinable!(policy_renewals -> policies (policy_id));
diesel::joinable!(policy_events -> policies (policy_id));
diesel::joinable!(policy_endorsements -> policies (policy_id));
diesel::joinable!(policy_instalments -> policies (policy_id));
diesel::joinable!(policy_payments -> policies (policy_id));
diesel::joinable!(policy_payment_allocations -> policy_payments (payment_id));
diesel::joinable!(policy_payment_allocations -> policy_instalments (instalment_id));
diesel::joinable!(policy_documents -> policies (policy_id));
diesel::joinable!(soa_records -> contacts (contact_id));
diesel::joinable!(soa_records -> agents (agent_id));

diesel::joinable!(commission_schedules -> carriers (carrier_id));
diesel::joinable!(commission_schedules -> carrier_products (product_id));
diesel::joinable!(commission_level_rates -> commission_levels (level_id));
diesel::joinable!(agent_hierarchy -> commission_levels (level_id));
diesel::joinable!(commission_splits -> policies (policy_id));
diesel::joinable!(commission_split_shares -> commission_splits (split_id));
diesel::joinable!(commission_entries -> policies (policy_id));
diesel::joinable!(commission_holds -> policies (policy_id));
diesel::joinable!(commission_holds -> agents (agent_id));
diesel::joinable!(payee_statement_entries -> payee_statements (statement_id));
diesel::joinable!(payee_statement_entries -> commission_entries (entry_id));
diesel::joinable!(payee_statements -> payout_batches (batch_id));

diesel::table! {
    carrier_statement_maps (carrier_id) {
        carrier_id -> BigInt,
        map -> Text,
        updated_by -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    carrier_statements (id) {
        id -> BigInt,
        carrier_id -> BigInt,
        period -> Date,
        file_name -> Text,
        status -> Text,
        line_count -> Integer,
        received_cents -> BigInt,
        expected_cents -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        finalised_by -> Nullable<BigInt>,
        finalised_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    carrier_statement_lines (id) {
        id -> BigInt,
        statement_id -> BigInt,
        line_no -> Nullable<Integer>,
        policy_number -> Text,
        insured_name -> Text,
        birth_date -> Nullable<Date>,
        agent -> Text,
        kind -> Text,
        period -> Date,
        amount_cents -> BigInt,
        expected_cents -> Nullable<BigInt>,
        policy_id -> Nullable<BigInt>,
        match_method -> Nullable<Text>,
        exception -> Nullable<Text>,
        resolution -> Nullable<Text>,
        note -> Text,
        resolved_by -> Nullable<BigInt>,
        resolved_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(carrier_statement_maps -> carriers (carrier_id));
diesel::joinable!(carrier_statements -> carriers (carrier_id));
diesel::joinable!(carrier_statement_lines -> carrier_statements (statement_id));
diesel::joinable!(carrier_statement_lines -> policies (policy_id));

diesel::table! {
    network_profiles (user_id) {
        user_id -> BigInt,
        brokerage -> Text,
        lines -> Text,
        specialisations -> Text,
        states -> Text,
        counties -> Text,
        zips -> Text,
        radius_miles -> Nullable<Integer>,
        languages -> Text,
        capacity_per_month -> Integer,
        available -> Bool,
        bio -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    network_connections (id) {
        id -> BigInt,
        requester_id -> BigInt,
        addressee_id -> BigInt,
        user_low -> BigInt,
        user_high -> BigInt,
        kind -> Text,
        status -> Text,
        message -> Text,
        created_at -> Timestamp,
        responded_at -> Nullable<Timestamp>,
        ended_at -> Nullable<Timestamp>,
        ended_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    network_connection_events (id) {
        id -> BigInt,
        connection_id -> BigInt,
        actor_id -> Nullable<BigInt>,
        kind -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    network_links (user_id, other_id) {
        user_id -> BigInt,
        other_id -> BigInt,
        connection_id -> BigInt,
        since -> Timestamp,
    }
}

diesel::table! {
    broker_teams (id) {
        id -> BigInt,
        name -> Text,
        leader_id -> BigInt,
        pool_bps -> Integer,
        pool_rule -> Text,
        pool_fixed -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        strategy -> Text,
        routing_state -> Text,
    }
}

diesel::table! {
    broker_team_members (user_id) {
        user_id -> BigInt,
        team_id -> BigInt,
        joined_at -> Timestamp,
    }
}

diesel::table! {
    broker_pool_runs (id) {
        id -> BigInt,
        team_id -> BigInt,
        period -> Date,
        pool_cents -> BigInt,
        rule -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    referrals (id) {
        id -> BigInt,
        referrer_id -> BigInt,
        target_kind -> Text,
        target_id -> Nullable<BigInt>,
        receiver_id -> Nullable<BigInt>,
        contact_id -> BigInt,
        source_lead_id -> Nullable<BigInt>,
        lead_id -> Nullable<BigInt>,
        product_line -> Text,
        note -> Text,
        status -> Text,
        split_kind -> Text,
        split_bps -> Integer,
        fee_cents -> BigInt,
        decline_reason -> Nullable<Text>,
        expires_at -> Timestamp,
        policy_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        responded_at -> Nullable<Timestamp>,
        converted_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    referral_events (id) {
        id -> BigInt,
        referral_id -> BigInt,
        actor_id -> Nullable<BigInt>,
        kind -> Text,
        note -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    referral_consent_links (id) {
        id -> BigInt,
        referral_id -> BigInt,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    referral_ratings (referral_id, rater_id) {
        referral_id -> BigInt,
        rater_id -> BigInt,
        ratee_id -> BigInt,
        stars -> Integer,
        comment -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    network_scores (user_id) {
        user_id -> BigInt,
        hundredths -> BigInt,
        tier -> Text,
        inputs -> Text,
        computed_at -> Timestamp,
    }
}

diesel::table! {
    network_score_history (id) {
        id -> BigInt,
        user_id -> BigInt,
        hundredths -> BigInt,
        tier -> Text,
        computed_at -> Timestamp,
    }
}

diesel::table! {
    network_rules (key) {
        key -> Text,
        value -> Text,
        label -> Text,
        source -> Text,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(network_profiles -> users (user_id));
diesel::joinable!(network_connection_events -> network_connections (connection_id));
diesel::joinable!(broker_team_members -> broker_teams (team_id));
diesel::joinable!(referral_events -> referrals (referral_id));
diesel::joinable!(referral_consent_links -> referrals (referral_id));
diesel::joinable!(referrals -> contacts (contact_id));
diesel::joinable!(network_scores -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    carriers,
    carrier_statement_maps,
    carrier_statements,
    carrier_statement_lines,
    commission_schedules,
    cms_limits,
    commission_rules,
    commission_levels,
    commission_level_rates,
    agent_hierarchy,
    commission_splits,
    commission_split_shares,
    commission_entries,
    commission_holds,
    commission_runs,
    payout_batches,
    payee_statements,
    payee_statement_entries,
    carrier_products,
    soa_records,
    policies,
    policy_renewals,
    policy_events,
    policy_endorsements,
    policy_instalments,
    policy_payments,
    policy_payment_allocations,
    policy_documents,
    policy_imports,
    policy_rules,
    config_version,
    users,
    account_tokens,
    api_tokens,
    jobs,
    audit_log,
    teams,
    agents,
    agent_licenses,
    certifications,
    reminders_sent,
    contacts,
    leads,
    lead_consents,
    lead_events,
    lead_tasks,
    api_idempotency,
    lead_imports,
    webhook_endpoints,
    webhook_deliveries,
    app_settings,
    scoring_models,
    routing_rules,
    offers,
    notifications,
    routing_version,
    bench_rows,
    courses,
    course_modules,
    lessons,
    lesson_documents,
    questions,
    choices,
    quizzes,
    enrollments,
    lesson_progress,
    quiz_attempts,
    attempt_questions,
    certificates,
    user_sessions,
    login_throttles,
    agency,
    network_profiles,
    network_connections,
    network_connection_events,
    network_links,
    broker_teams,
    broker_team_members,
    broker_pool_runs,
    referrals,
    referral_events,
    referral_consent_links,
    referral_ratings,
    network_scores,
    network_score_history,
    network_rules,
);
