//! Page numbers for short lists (keyset pagination is for the big tables of later issues).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub number: i64,
    pub per_page: i64,
}

impl Page {
    pub const DEFAULT_PER_PAGE: i64 = 25;

    /// From a query value; anything odd becomes page 1.
    pub fn from_query(page: Option<&str>, per_page: i64) -> Page {
        let number = page
            .and_then(|p| p.trim().parse::<i64>().ok())
            .filter(|n| *n >= 1 && *n <= 1_000_000)
            .unwrap_or(1);
        Page { number, per_page }
    }

    pub fn offset(&self) -> i64 {
        (self.number - 1) * self.per_page
    }
}

/// What a pager shows.
#[derive(Debug, Clone)]
pub struct Pager {
    pub number: i64,
    pub total_pages: i64,
    pub total: i64,
    pub first_item: i64,
    pub last_item: i64,
}

impl Pager {
    pub fn new(page: Page, total: i64) -> Pager {
        let total_pages = ((total + page.per_page - 1) / page.per_page).max(1);
        let first_item = if total == 0 { 0 } else { page.offset() + 1 };
        let last_item = (page.offset() + page.per_page).min(total);
        Pager {
            number: page.number,
            total_pages,
            total,
            first_item,
            last_item,
        }
    }

    pub fn has_prev(&self) -> bool {
        self.number > 1
    }

    pub fn has_next(&self) -> bool {
        self.number < self.total_pages
    }

    pub fn prev(&self) -> i64 {
        self.number - 1
    }

    pub fn next(&self) -> i64 {
        self.number + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_page_values_become_page_one() {
        for v in [None, Some("0"), Some("-3"), Some("abc"), Some("99999999999")] {
            assert_eq!(Page::from_query(v, 25).number, 1, "{v:?}");
        }
        assert_eq!(Page::from_query(Some(" 3 "), 25).offset(), 50);
    }

    #[test]
    fn pager_counts() {
        let p = Pager::new(
            Page {
                number: 2,
                per_page: 25,
            },
            60,
        );
        assert_eq!((p.total_pages, p.first_item, p.last_item), (3, 26, 50));
        assert!(p.has_prev() && p.has_next());
        let empty = Pager::new(
            Page {
                number: 1,
                per_page: 25,
            },
            0,
        );
        assert_eq!((empty.total_pages, empty.first_item, empty.last_item), (1, 0, 0));
        assert!(!empty.has_next());
    }
}
