//! Where the memory of a loaded network goes, table by table: for benchmarks (see
//! `benches/phases.rs`), not for reports.

use super::Model;

/// Hands the memory freed so far back to the system, on every rayon thread and this one:
/// mimalloc otherwise keeps a thread's freed pages for its next allocations, so what the
/// loader's workers freed (blocks, rows, id maps) would still count while the graph is built.
/// A no-op for memory use when mimalloc is not the global allocator (it then holds nothing).
pub fn release_freed_memory() {
    let collect = || {
        // SAFETY: `mi_collect` takes no pointers and only returns unused pages of the calling
        // thread's heap (and abandoned ones) to the system.
        unsafe { libmimalloc_sys::mi_collect(true) }
    };
    rayon::broadcast(|_| collect());
    collect();
}

/// The bytes one table holds: its elements (`len × size_of`, and the spare capacity) and what
/// they own on the heap (strings, offsets).
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableBytes {
    /// The table's name.
    pub table: &'static str,
    /// Number of elements.
    pub len: usize,
    /// Bytes of the element array (capacity × size of one element).
    pub inline: usize,
    /// Bytes the elements own on the heap.
    pub heap: usize,
}

impl TableBytes {
    /// A table of `len` elements in an array of `capacity` elements of type `T`, owning `heap`.
    pub fn of<T>(table: &'static str, len: usize, capacity: usize, heap: usize) -> Self {
        TableBytes {
            table,
            len,
            inline: capacity * std::mem::size_of::<T>(),
            heap,
        }
    }

    /// All bytes of the table.
    pub fn total(&self) -> usize {
        self.inline + self.heap
    }
}

/// What a heap string of `len` bytes costs: allocators serve small sizes in classes of 8 bytes
/// at least (mimalloc's smallest classes), and an empty string allocates nothing.
#[doc(hidden)]
pub fn heap_string(len: usize) -> usize {
    if len == 0 {
        0
    } else {
        len.div_ceil(8) * 8
    }
}

impl Model {
    /// The bytes of each table of the model.
    #[doc(hidden)]
    pub fn table_bytes(&self) -> Vec<TableBytes> {
        let mut out = Vec::new();
        out.extend(self.partner_bytes());
        out.extend(self.tenant_bytes());
        out.extend(self.organization_bytes());
        out.push(TableBytes::of::<super::Relationship>(
            "relationships",
            self.relationships.len(),
            self.relationships.capacity(),
            0,
        ));
        out.push(match &self.relationship_ids {
            Some(ids) => TableBytes {
                table: "relationship ids",
                len: ids.len(),
                inline: 0,
                heap: ids.heap_bytes(),
            },
            None => TableBytes::of::<u8>("relationship ids", 0, 0, 0),
        });
        out
    }
}

impl Model {
    fn partner_bytes(&self) -> Vec<TableBytes> {
        vec![
            TableBytes::of::<super::Partner>(
                "partners",
                self.partners.len(),
                self.partners.capacity(),
                0,
            ),
            column("partner ids", &self.partner_ids),
            column("partner names", &self.partner_names),
        ]
    }

    fn tenant_bytes(&self) -> Vec<TableBytes> {
        vec![
            TableBytes::of::<super::Tenant>(
                "tenants",
                self.tenants.len(),
                self.tenants.capacity(),
                0,
            ),
            TableBytes {
                table: "tenant ids",
                len: self.tenant_ids.len(),
                inline: 0,
                heap: self.tenant_ids.heap_bytes(),
            },
            column("tenant names", &self.tenant_names),
        ]
    }

    fn organization_bytes(&self) -> Vec<TableBytes> {
        vec![column("organizations", &self.organizations)]
    }
}

/// A text column: its offsets and text.
fn column(table: &'static str, c: &super::TextColumn) -> TableBytes {
    TableBytes {
        table,
        len: c.len(),
        inline: 0,
        heap: c.heap_bytes(),
    }
}
