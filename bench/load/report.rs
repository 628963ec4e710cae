//! The report: one markdown table of every figure beside its budget, the machine, and the same
//! figures as JSON.

use serde_json::{json, Value};

/// The machine the figures were measured on.
#[derive(Debug, Clone)]
pub struct Machine {
    pub cores: usize,
    pub cpu: String,
    pub memory_gb: f64,
    /// The 1, 5 and 15 minute load averages when the tool started: other work on the machine
    /// skews every figure.
    pub load_average: String,
}

impl Machine {
    pub fn read() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let value = |text: &str, key: &str| -> Option<String> {
            let line = text.lines().find(|l| l.starts_with(key))?;
            Some(line.split_once(':')?.1.trim().to_string())
        };
        let mem_kb: f64 = value(&meminfo, "MemTotal")
            .and_then(|v| v.split_whitespace().next().and_then(|n| n.parse().ok()))
            .unwrap_or(0.0);
        Machine {
            cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu: value(&cpuinfo, "model name").unwrap_or_else(|| "unknown CPU".into()),
            memory_gb: mem_kb / 1024.0 / 1024.0,
            load_average: std::fs::read_to_string("/proc/loadavg")
                .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
                .unwrap_or_default(),
        }
    }

    pub fn describe(&self) -> String {
        format!(
            "{} cores (nproc), {}, {:.1} GB memory; load average at start {}",
            self.cores, self.cpu, self.memory_gb, self.load_average
        )
    }

    fn to_json(&self) -> Value {
        json!({ "nproc": self.cores, "cpu": self.cpu, "memory_gb": self.memory_gb, "load_average": self.load_average })
    }
}

/// One line of the table.
#[derive(Debug, Clone)]
pub struct Row {
    pub what: String,
    pub measured: String,
    pub budget: String,
    /// None: no budget for this figure (or it does not apply here).
    pub ok: Option<bool>,
}

impl Row {
    pub fn new(what: impl Into<String>, measured: impl Into<String>) -> Row {
        Row {
            what: what.into(),
            measured: measured.into(),
            budget: "—".into(),
            ok: None,
        }
    }

    pub fn budget(mut self, budget: impl Into<String>, ok: bool) -> Row {
        self.budget = budget.into();
        self.ok = Some(ok);
        self
    }
}

pub struct Report {
    machine: Machine,
    database: String,
    rows: Vec<Row>,
    notes: Vec<String>,
    figures: serde_json::Map<String, Value>,
}

impl Report {
    pub fn new(machine: Machine, database: &str) -> Report {
        Report {
            machine,
            database: database.to_string(),
            rows: Vec::new(),
            notes: Vec::new(),
            figures: serde_json::Map::new(),
        }
    }

    pub fn row(&mut self, row: Row) {
        self.rows.push(row);
    }

    /// A remark printed under the table (a skipped part, a caveat).
    pub fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        eprintln!("note: {note}");
        self.notes.push(note);
    }

    /// Raw figures for the JSON file.
    pub fn figure(&mut self, key: &str, value: Value) {
        self.figures.insert(key.to_string(), value);
    }

    pub fn failed_budgets(&self) -> usize {
        self.rows.iter().filter(|r| r.ok == Some(false)).count()
    }

    pub fn markdown(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!("Machine: {}\n", self.machine.describe()));
        out.push_str(&format!("Database: {}\n\n", self.database));
        out.push_str("| what | measured | budget | |\n|---|---|---|---|\n");
        for r in &self.rows {
            let mark = match r.ok {
                Some(true) => "✓",
                Some(false) => "✗",
                None => "",
            };
            out.push_str(&format!("| {} | {} | {} | {mark} |\n", r.what, r.measured, r.budget));
        }
        for n in &self.notes {
            out.push_str(&format!("\n- {n}"));
        }
        out.push('\n');
        out
    }

    pub fn to_json(&self) -> Value {
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|r| json!({ "what": r.what, "measured": r.measured, "budget": r.budget, "ok": r.ok }))
            .collect();
        json!({
            "machine": self.machine.to_json(),
            "database": self.database,
            "figures": self.figures,
            "budgets": rows,
            "notes": self.notes,
        })
    }
}

pub fn ms(v: f64) -> String {
    format!("{v:.2} ms")
}

pub fn per_second(v: f64) -> String {
    format!("{v:.0}/s")
}
