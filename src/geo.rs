//! US ZIP code centroids and great-circle distances, for "leads within N miles" searches.
//!
//! The centroid table (`data/us_zip_centroids.csv`, columns `zip,state,city,lat,lon`) is
//! embedded in the binary and parsed once, on first use, into an index sorted by ZIP.
//! A radius search in a database first filters on [`bounding_box`] (which an index on
//! latitude/longitude can serve) and then checks [`distance_miles`] on what is left.

use std::f64::consts::{FRAC_PI_2, PI};
use std::sync::OnceLock;

/// Mean Earth radius in statute miles.
pub const EARTH_RADIUS_MILES: f64 = 3958.8;

/// The embedded centroid table. It has no quoted fields, so a plain split on `,` reads it.
static ZIP_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/us_zip_centroids.csv"));

static INDEX: OnceLock<Vec<ZipInfo>> = OnceLock::new();

/// One ZIP code's centroid. The strings borrow from the embedded table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZipInfo {
    /// Five-digit ZIP, with leading zeros (`"02108"`).
    pub zip: &'static str,
    /// Two-letter USPS code. Besides the states, DC and territories this includes the military
    /// codes `AA` and `AE` and `MH` (Marshall Islands), which [`crate::domain::parse_state`]
    /// does not accept.
    pub state: &'static str,
    /// City name as USPS writes it (`"Beverly Hills"`).
    pub city: &'static str,
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees (negative = west).
    pub lon: f64,
}

/// Parses the table text (header line first) into entries sorted by ZIP. Lines that do not have
/// exactly five fields, a five-digit ZIP and numeric coordinates are skipped; the tests check
/// that the embedded table has none.
///
/// A plain byte scan: `str::lines` and `str::split` are several times slower in debug builds,
/// and this runs on the first lookup of every process.
fn parse_table(text: &'static str) -> Vec<ZipInfo> {
    let bytes = text.as_bytes();
    let mut entries = Vec::with_capacity(42_000);
    // Skip the header line.
    let mut pos = match bytes.iter().position(|b| *b == b'\n') {
        Some(newline) => newline + 1,
        None => return entries,
    };
    while pos < bytes.len() {
        let line_start = pos;
        let mut commas = [0usize; 4];
        let mut count = 0;
        while let Some(&byte) = bytes.get(pos) {
            if byte == b'\n' {
                break;
            }
            if byte == b',' {
                if count < commas.len() {
                    commas[count] = pos;
                }
                count += 1;
            }
            pos += 1;
        }
        let mut line_end = pos;
        pos += 1; // past the newline
        if line_end > line_start && bytes[line_end - 1] == b'\r' {
            line_end -= 1;
        }
        if count != 4 {
            continue;
        }
        // Commas are ASCII, so every slice boundary below is a char boundary.
        let field = |from: usize, to: usize| &text[from..to];
        let zip = field(line_start, commas[0]);
        let state = field(commas[0] + 1, commas[1]);
        let city = field(commas[1] + 1, commas[2]);
        let (Ok(lat), Ok(lon)) = (
            field(commas[2] + 1, commas[3]).parse::<f64>(),
            field(commas[3] + 1, line_end).parse::<f64>(),
        ) else {
            continue;
        };
        if !is_zip5(zip) {
            continue;
        }
        entries.push(ZipInfo {
            zip,
            state,
            city,
            lat,
            lon,
        });
    }
    // The file is sorted already; this keeps lookups right if it ever is not.
    if !entries.windows(2).all(|w| w[0].zip < w[1].zip) {
        entries.sort_by(|a, b| a.zip.cmp(b.zip));
        entries.dedup_by(|a, b| a.zip == b.zip);
    }
    entries
}

fn is_zip5(s: &str) -> bool {
    s.len() == 5 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Every ZIP in the table, sorted by ZIP. Parsed on first call.
pub fn all() -> &'static [ZipInfo] {
    INDEX.get_or_init(|| parse_table(ZIP_CSV))
}

/// Looks up a ZIP code: `"90210"`, or a ZIP+4 as `"90210-1234"` or `"902101234"` (only the
/// first five digits are used). Surrounding whitespace is ignored. `None` for anything else or a
/// ZIP not in the table.
pub fn lookup(zip: &str) -> Option<&'static ZipInfo> {
    let zip = zip.trim();
    let five = match zip.len() {
        5 => zip,
        9 if zip.bytes().all(|b| b.is_ascii_digit()) => &zip[..5],
        10 if zip.as_bytes()[5] == b'-' && zip[6..].bytes().all(|b| b.is_ascii_digit()) => zip.get(..5)?,
        _ => return None,
    };
    if !is_zip5(five) {
        return None;
    }
    let index = all();
    index
        .binary_search_by(|entry| entry.zip.cmp(five))
        .ok()
        .map(|i| &index[i])
}

/// Great-circle distance in miles between two points given in degrees (haversine formula,
/// Earth radius [`EARTH_RADIUS_MILES`]).
pub fn distance_miles(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let d_phi = phi2 - phi1;
    let d_lambda = (lon2 - lon1).to_radians();
    let a = (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_MILES * a.sqrt().min(1.0).asin()
}

/// A latitude/longitude box, in degrees, containing every point within `miles` of
/// (`lat`, `lon`): `(min_lat, max_lat, min_lon, max_lon)`.
///
/// Use it to pre-filter rows with an index (`lat BETWEEN min_lat AND max_lat AND lon BETWEEN
/// min_lon AND max_lon`), then check [`distance_miles`] exactly. The box is the tight one for a
/// spherical cap, widened by a hair for rounding. When the circle reaches a pole or crosses the
/// 180° meridian, the longitude range is the whole `-180..=180`, so the filter stays a simple
/// `BETWEEN`. A negative or NaN radius counts as 0.
pub fn bounding_box(lat: f64, lon: f64, miles: f64) -> (f64, f64, f64, f64) {
    const PAD_DEGREES: f64 = 1e-9;
    let miles = if miles > 0.0 { miles } else { 0.0 };
    let angular = miles / EARTH_RADIUS_MILES;
    let phi = lat.to_radians();
    let (min_phi, max_phi) = (phi - angular, phi + angular);
    if min_phi <= -FRAC_PI_2 || max_phi >= FRAC_PI_2 {
        return (
            min_phi.to_degrees().max(-90.0),
            max_phi.to_degrees().min(90.0),
            -180.0,
            180.0,
        );
    }
    let d_lambda = (angular.sin() / phi.cos()).min(1.0).asin();
    let lambda = lon.to_radians();
    let (min_lambda, max_lambda) = (lambda - d_lambda, lambda + d_lambda);
    let (min_lon, max_lon) = if min_lambda < -PI || max_lambda > PI {
        (-180.0, 180.0)
    } else {
        (
            min_lambda.to_degrees() - PAD_DEGREES,
            max_lambda.to_degrees() + PAD_DEGREES,
        )
    };
    (
        min_phi.to_degrees() - PAD_DEGREES,
        max_phi.to_degrees() + PAD_DEGREES,
        min_lon,
        max_lon,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_box(b: (f64, f64, f64, f64), lat: f64, lon: f64) -> bool {
        (b.0..=b.1).contains(&lat) && (b.2..=b.3).contains(&lon)
    }

    /// splitmix64: deterministic pseudo-random numbers without extra crates.
    struct Rng(u64);

    impl Rng {
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// Uniform in `[lo, hi)`.
        fn range(&mut self, lo: f64, hi: f64) -> f64 {
            lo + (hi - lo) * ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
        }
    }

    /// The point `miles` away from (`lat`, `lon`) on initial bearing `bearing` (radians).
    fn destination(lat: f64, lon: f64, bearing: f64, miles: f64) -> (f64, f64) {
        let delta = miles / EARTH_RADIUS_MILES;
        let phi1 = lat.to_radians();
        let lambda1 = lon.to_radians();
        let phi2 = (phi1.sin() * delta.cos() + phi1.cos() * delta.sin() * bearing.cos()).asin();
        let lambda2 = lambda1 + (bearing.sin() * delta.sin() * phi1.cos()).atan2(delta.cos() - phi1.sin() * phi2.sin());
        let lon2 = (lambda2.to_degrees() + 540.0).rem_euclid(360.0) - 180.0;
        (phi2.to_degrees(), lon2)
    }

    #[test]
    fn table_has_every_row_sorted_and_unique() {
        assert!(ZIP_CSV.starts_with("zip,state,city,lat,lon\n"));
        assert!(
            !ZIP_CSV.contains('"'),
            "the plain split parser assumes no quoted fields"
        );
        let rows = all();
        assert_eq!(rows.len(), 41_705);
        assert_eq!(ZIP_CSV.lines().count(), 41_706);
        assert!(rows.windows(2).all(|w| w[0].zip < w[1].zip));
        assert!(rows
            .iter()
            .all(|r| (-90.0..=90.0).contains(&r.lat) && (-180.0..=180.0).contains(&r.lon)));
        assert!(rows.iter().all(|r| r.state.len() == 2 && !r.city.is_empty()));
    }

    #[test]
    fn table_parse_is_fast() {
        let start = std::time::Instant::now();
        let rows = parse_table(ZIP_CSV);
        let elapsed = start.elapsed();
        assert_eq!(rows.len(), 41_705);
        // About 20 ms in a debug build; the bound leaves room for a busy machine.
        eprintln!("parsing took {elapsed:?}");
        assert!(elapsed.as_millis() < 500, "parsing took {elapsed:?}");
    }

    #[test]
    fn known_zips_are_found() {
        let ny = lookup("10001").unwrap();
        assert_eq!((ny.zip, ny.state, ny.city), ("10001", "NY", "New York"));
        assert!((ny.lat - 40.750649).abs() < 1e-9 && (ny.lon + 73.997298).abs() < 1e-9);
        let miami = lookup("33101").unwrap();
        assert_eq!((miami.state, miami.city), ("FL", "Miami"));
        let bh = lookup("90210").unwrap();
        assert_eq!((bh.state, bh.city), ("CA", "Beverly Hills"));
    }

    #[test]
    fn leading_zero_zip_is_found() {
        let first = lookup("00501").unwrap();
        assert_eq!((first.state, first.city), ("NY", "Holtsville"));
        assert_eq!(lookup("02108").unwrap().city, "Boston");
    }

    #[test]
    fn zip_plus_four_uses_first_five_digits() {
        assert_eq!(lookup("90210-1234").unwrap().zip, "90210");
        assert_eq!(lookup("902101234").unwrap().zip, "90210");
        assert_eq!(lookup(" 10001 ").unwrap().zip, "10001");
    }

    #[test]
    fn unknown_or_malformed_zip_is_none() {
        for zip in [
            "00000",
            "99999",
            "",
            "1000",
            "100011",
            "10001-12",
            "ABCDE",
            "10001-abcd",
            "1000é",
        ] {
            assert!(lookup(zip).is_none(), "{zip}");
        }
    }

    #[test]
    fn distance_new_york_to_los_angeles_is_about_2450_miles() {
        let ny = lookup("10001").unwrap();
        let la = lookup("90012").unwrap();
        let d = distance_miles(ny.lat, ny.lon, la.lat, la.lon);
        assert!((d - 2450.0).abs() / 2450.0 < 0.02, "{d}");
        let back = distance_miles(la.lat, la.lon, ny.lat, ny.lon);
        assert!((d - back).abs() < 1e-9);
    }

    #[test]
    fn distance_same_point_is_zero_and_antipode_is_half_circumference() {
        assert_eq!(distance_miles(40.0, -74.0, 40.0, -74.0), 0.0);
        let half = distance_miles(0.0, 0.0, 0.0, 180.0);
        assert!((half - PI * EARTH_RADIUS_MILES).abs() < 1e-6, "{half}");
        // One degree of latitude is about 69.1 miles.
        assert!((distance_miles(40.0, -74.0, 41.0, -74.0) - 69.09).abs() < 0.01);
    }

    #[test]
    fn bounding_box_is_tight_at_mid_latitude() {
        let (min_lat, max_lat, min_lon, max_lon) = bounding_box(40.0, -74.0, 100.0);
        let d_lat = 100.0 / EARTH_RADIUS_MILES * 180.0 / PI;
        assert!((max_lat - 40.0 - d_lat).abs() < 1e-6 && (40.0 - min_lat - d_lat).abs() < 1e-6);
        // Longitude degrees are shorter by about cos(40°).
        let d_lon = max_lon + 74.0;
        assert!((d_lon - (-74.0 - min_lon)).abs() < 1e-6);
        assert!(d_lon > d_lat / 40f64.to_radians().cos() && d_lon < d_lat / 40f64.to_radians().cos() * 1.01);
    }

    #[test]
    fn bounding_box_near_pole_or_meridian_spans_all_longitudes() {
        let (_, max_lat, min_lon, max_lon) = bounding_box(89.5, 10.0, 100.0);
        assert_eq!((max_lat, min_lon, max_lon), (90.0, -180.0, 180.0));
        let (_, _, min_lon, max_lon) = bounding_box(51.9, -179.0, 100.0);
        assert_eq!((min_lon, max_lon), (-180.0, 180.0));
        let (min_lat, max_lat, min_lon, max_lon) = bounding_box(40.0, -74.0, -5.0);
        assert!((max_lat - min_lat) < 1e-8 && (max_lon - min_lon) < 1e-8);
    }

    #[test]
    fn bounding_box_contains_random_points_within_radius() {
        let mut rng = Rng(0x5EED);
        for case in 0..400 {
            let lat = if case % 4 == 0 {
                rng.range(-89.9, 89.9)
            } else {
                rng.range(18.0, 71.0)
            };
            let lon = if case % 5 == 0 {
                rng.range(-180.0, 180.0)
            } else {
                rng.range(-170.0, -65.0)
            };
            let miles = match case % 3 {
                0 => rng.range(0.1, 10.0),
                1 => rng.range(10.0, 250.0),
                _ => rng.range(250.0, 3000.0),
            };
            let b = bounding_box(lat, lon, miles);
            for k in 0..20 {
                let bearing = rng.range(0.0, 2.0 * PI);
                // Some points exactly on the circle, the rest inside it.
                let dist = if k < 4 { miles } else { miles * rng.range(0.0, 1.0) };
                let (plat, plon) = destination(lat, lon, bearing, dist);
                assert!(distance_miles(lat, lon, plat, plon) <= miles * (1.0 + 1e-9) + 1e-9);
                assert!(
                    in_box(b, plat, plon),
                    "center ({lat}, {lon}) r={miles} point ({plat}, {plon}) box {b:?}"
                );
            }
        }
    }

    #[test]
    fn bounding_box_prefilter_keeps_every_zip_within_radius() {
        for (zip, miles) in [("10001", 25.0), ("99501", 300.0), ("96815", 50.0), ("33101", 120.0)] {
            let center = lookup(zip).unwrap();
            let b = bounding_box(center.lat, center.lon, miles);
            let mut within = 0;
            for entry in all() {
                if distance_miles(center.lat, center.lon, entry.lat, entry.lon) <= miles {
                    within += 1;
                    assert!(in_box(b, entry.lat, entry.lon), "{zip}: {entry:?} missing from {b:?}");
                }
            }
            assert!(within > 0, "{zip}");
        }
    }
}
