//! Heap buffers aligned for O_DIRECT I/O (the kernel needs buffer, offset and length aligned to
//! the logical block size). Lives in sys/ because it is the one piece of raw memory handling.

pub struct AlignedBuf {
    ptr: *mut u8,
    cap: usize,
    align: usize,
    len: usize,
}

// SAFETY: the buffer is plain memory exclusively owned by this value; moving it between threads
// moves ownership.
unsafe impl Send for AlignedBuf {}

impl AlignedBuf {
    pub fn new(cap: usize, align: usize) -> AlignedBuf {
        let layout = std::alloc::Layout::from_size_align(cap, align).expect("valid layout");
        // SAFETY: the layout has a non-zero size; a null result is handled below.
        let ptr = unsafe { std::alloc::alloc(layout) };
        if ptr.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        AlignedBuf {
            ptr,
            cap,
            align,
            len: 0,
        }
    }

    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: ptr is valid for cap bytes, and the first len <= cap were initialised.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    pub fn extend(&mut self, data: &[u8]) {
        assert!(self.len + data.len() <= self.cap);
        // SAFETY: bounds checked above; source and destination do not overlap.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), self.ptr.add(self.len), data.len()) };
        self.len += data.len();
    }

    pub fn extend_zeros(&mut self, n: usize) {
        assert!(self.len + n <= self.cap);
        // SAFETY: bounds checked above.
        unsafe { std::ptr::write_bytes(self.ptr.add(self.len), 0, n) };
        self.len += n;
    }

    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn room(&self) -> usize {
        self.cap - self.len
    }
    pub fn clear(&mut self) {
        self.len = 0;
    }
}

impl Drop for AlignedBuf {
    fn drop(&mut self) {
        let layout = std::alloc::Layout::from_size_align(self.cap, self.align).expect("layout");
        // SAFETY: allocated in new() with this very layout.
        unsafe { std::alloc::dealloc(self.ptr, layout) };
    }
}
