/* The two hot loops of a layer analysis, compiled: the layer-tar scanner
 * (Scanner) and the reader of the engine's chunked export stream (ChunkedReader).
 *
 * Scanner: the layer-tar scanner of workbench/layers/tarscan.py.
 *
 * Why: a distribution image has ~12,000 tar members per export, and the pure-Python
 * reader spends ~15 us on each. That CPU is taken from the engine, which shares the
 * machine's cores while it still produces the export; dive (Go) does the same work in
 * compiled code. This module does exactly what `tarscan.members()` + the hashing loop
 * of `archive.read_layer()` do, fed piece by piece:
 *
 *     scanner = Scanner(xxh3_128, xxh3_128_digest, TarError)
 *     for piece in pieces: scanner.feed(piece)
 *     scanner.finish()
 *     for name, typeflag, size, mode, uid, gid, link, digest in scanner.take(): ...
 *
 * ustar, GNU long names ('L'/'K'), PAX records (path, linkpath, size, uid, gid; local
 * and global), base-256 numbers, checksums verified, the first zero block ends the
 * archive. The pure-Python reader stays the reference: tests run both on the same
 * archives and compare every field.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#ifndef _WIN32
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#define HAVE_CHUNKED_READER 1
#endif

#define BLOCK 512
#define EXT_LIMIT (64 << 20) /* a PAX record or long name is bytes; refuse more */
#define MAX_SIZE (1LL << 62)  /* a member size beyond this is corruption (and would overflow) */

enum { S_HEADER, S_DATA, S_PAD, S_END };
enum { D_SKIP, D_HASH, D_EXT };

typedef struct {
    PyObject *path, *linkpath; /* str or NULL */
    int has_size, has_uid, has_gid;
    long long size, uid, gid;
} Pax;

typedef struct {
    PyObject_HEAD
    PyObject *new_hasher; /* () -> object with update(buffer) and digest() */
    PyObject *digest_of;  /* (buffer) -> bytes: the same hash in one call */
    PyObject *error;      /* exception class raised for a corrupt archive */
    PyObject *entries;    /* list of finished entry tuples */
    int state, data_kind;
    unsigned char hdr[BLOCK];
    Py_ssize_t hdr_len;
    long long left, pad;
    char ext_type;
    char *ext;
    Py_ssize_t ext_len, ext_cap;
    PyObject *hasher, *update;
    /* the regular file whose bytes are being hashed */
    PyObject *p_name, *p_flag, *p_link;
    long long p_size, p_mode, p_uid, p_gid;
    Pax local, global;
    PyObject *long_name, *long_link;
} Scanner;

static PyObject *str_release, *str_digest, *empty_bytes;
static const unsigned char ZERO[BLOCK];

static void pax_clear(Pax *pax) {
    Py_CLEAR(pax->path);
    Py_CLEAR(pax->linkpath);
    pax->has_size = pax->has_uid = pax->has_gid = 0;
}

static int fail(Scanner *self, const char *message) {
    PyErr_SetString(self->error, message);
    return -1;
}

/* A numeric header field as tarscan._number reads it: octal text (NUL/space ended),
 * or GNU base-256 when the first byte has its high bit set. */
static int number(Scanner *self, const unsigned char *f, Py_ssize_t n, long long *out) {
    unsigned long long v = 0;
    Py_ssize_t i;
    if (n > 0 && (f[0] & 0x80)) {
        if (f[0] & 0x40)
            return fail(self, "a tar header has a negative number");
        for (i = 1; i < n; i++) {
            if (v >> 55)
                return fail(self, "a tar header has a number too large");
            v = (v << 8) | f[i];
        }
        *out = (long long)v;
        return 0;
    }
    i = 0;
    while (i < n && f[i] == ' ')
        i++;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
        if (v >> 60)
            return fail(self, "a tar header has a number too large");
        v = v * 8 + (unsigned)(f[i] - '0');
    }
    for (; i < n && f[i] != '\0'; i++) /* after the digits: spaces up to the NUL */
        if (f[i] != ' ')
            return fail(self, "a tar header has a malformed number");
    *out = (long long)v;
    return 0;
}

static PyObject *text(const unsigned char *f, Py_ssize_t n) {
    const unsigned char *nul = memchr(f, 0, (size_t)n);
    return PyUnicode_DecodeUTF8((const char *)f, nul ? nul - f : n, "surrogateescape");
}

static int decimal(Scanner *self, const char *s, Py_ssize_t n, long long *out) {
    long long v = 0;
    Py_ssize_t i;
    if (n == 0)
        return fail(self, "a PAX record has an empty number");
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (LLONG_MAX - 9) / 10)
            return fail(self, "a PAX record has a malformed number");
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* "<len> <key>=<value>\n" records; only the keys the scanner uses are kept. */
static int parse_pax(Scanner *self, Pax *pax) {
    const char *d = self->ext;
    Py_ssize_t n = self->ext_len, pos = 0;
    while (pos < n) {
        const char *space = memchr(d + pos, ' ', (size_t)(n - pos));
        long long length;
        Py_ssize_t end, klen;
        const char *key, *eq, *value;
        if (space == NULL)
            break;
        if (decimal(self, d + pos, space - (d + pos), &length) < 0)
            return -1;
        if (length <= 0)
            break;
        key = space + 1;
        end = pos + (Py_ssize_t)length - 1; /* the record's newline */
        if (end > n)
            end = n;
        if (key > d + end) {
            pos += (Py_ssize_t)length;
            continue;
        }
        eq = memchr(key, '=', (size_t)(d + end - key));
        klen = eq ? eq - key : (d + end) - key;
        value = eq ? eq + 1 : d + end;
        Py_ssize_t vlen = (d + end) - value;
        if (klen == 4 && memcmp(key, "path", 4) == 0) {
            Py_XSETREF(pax->path, PyUnicode_DecodeUTF8(value, vlen, "surrogateescape"));
            if (pax->path == NULL)
                return -1;
        } else if (klen == 8 && memcmp(key, "linkpath", 8) == 0) {
            Py_XSETREF(pax->linkpath, PyUnicode_DecodeUTF8(value, vlen, "surrogateescape"));
            if (pax->linkpath == NULL)
                return -1;
        } else if (klen == 4 && memcmp(key, "size", 4) == 0) {
            if (decimal(self, value, vlen, &pax->size) < 0)
                return -1;
            pax->has_size = 1;
        } else if (klen == 3 && memcmp(key, "uid", 3) == 0) {
            if (decimal(self, value, vlen, &pax->uid) < 0)
                return -1;
            pax->has_uid = 1;
        } else if (klen == 3 && memcmp(key, "gid", 3) == 0) {
            if (decimal(self, value, vlen, &pax->gid) < 0)
                return -1;
            pax->has_gid = 1;
        }
        pos += (Py_ssize_t)length;
    }
    return 0;
}

static PyObject *flag_bytes(char flag) { return PyBytes_FromStringAndSize(&flag, 1); }

/* Appends (name, typeflag, size, mode, uid, gid, link, digest); steals nothing. */
static int emit(Scanner *self, PyObject *name, PyObject *flag, long long size, long long mode,
                long long uid, long long gid, PyObject *link, PyObject *digest) {
    PyObject *t = PyTuple_New(8);
    PyObject *s, *m, *u, *g;
    int rc;
    if (t == NULL)
        return -1;
    s = PyLong_FromLongLong(size);
    m = PyLong_FromLongLong(mode);
    u = PyLong_FromLongLong(uid);
    g = PyLong_FromLongLong(gid);
    if (!s || !m || !u || !g) {
        Py_XDECREF(s);
        Py_XDECREF(m);
        Py_XDECREF(u);
        Py_XDECREF(g);
        Py_DECREF(t);
        return -1;
    }
    Py_INCREF(name);
    Py_INCREF(flag);
    Py_INCREF(link);
    Py_INCREF(digest);
    PyTuple_SET_ITEM(t, 0, name);
    PyTuple_SET_ITEM(t, 1, flag);
    PyTuple_SET_ITEM(t, 2, s);
    PyTuple_SET_ITEM(t, 3, m);
    PyTuple_SET_ITEM(t, 4, u);
    PyTuple_SET_ITEM(t, 5, g);
    PyTuple_SET_ITEM(t, 6, link);
    PyTuple_SET_ITEM(t, 7, digest);
    rc = PyList_Append(self->entries, t);
    Py_DECREF(t);
    return rc;
}

static void pending_clear(Scanner *self) {
    Py_CLEAR(self->p_name);
    Py_CLEAR(self->p_flag);
    Py_CLEAR(self->p_link);
    Py_CLEAR(self->hasher);
    Py_CLEAR(self->update);
}

/* Hashes [p, p+n) with the current hasher; the view is released at once, so no
 * reference to the caller's buffer outlives this call. */
static int hash_update(Scanner *self, const unsigned char *p, Py_ssize_t n) {
    PyObject *view, *r;
    view = PyMemoryView_FromMemory((char *)p, n, PyBUF_READ);
    if (view == NULL)
        return -1;
    r = PyObject_CallOneArg(self->update, view);
    if (r != NULL) {
        Py_DECREF(r);
        r = PyObject_CallMethodNoArgs(view, str_release);
    }
    Py_DECREF(view);
    if (r == NULL)
        return -1;
    Py_DECREF(r);
    return 0;
}

static int finish_file(Scanner *self) {
    PyObject *digest = PyObject_CallMethodNoArgs(self->hasher, str_digest);
    int rc;
    if (digest == NULL)
        return -1;
    rc = emit(self, self->p_name, self->p_flag, self->p_size, self->p_mode, self->p_uid,
              self->p_gid, self->p_link, digest);
    Py_DECREF(digest);
    pending_clear(self);
    return rc;
}

static int finish_ext(Scanner *self) {
    const char *d = self->ext;
    Py_ssize_t n = self->ext_len;
    PyObject **slot;
    switch (self->ext_type) {
    case 'x':
        pax_clear(&self->local); /* a record replaces the one before, as in tarscan */
        return parse_pax(self, &self->local);
    case 'g':
        return parse_pax(self, &self->global);
    default: /* 'L' or 'K': the name, NULs stripped from its end */
        while (n > 0 && d[n - 1] == '\0')
            n--;
        slot = self->ext_type == 'L' ? &self->long_name : &self->long_link;
        Py_XSETREF(*slot, PyUnicode_DecodeUTF8(d, n, "surrogateescape"));
        return *slot == NULL ? -1 : 0;
    }
}

static int end_data(Scanner *self) {
    int rc = 0;
    if (self->data_kind == D_HASH)
        rc = finish_file(self);
    else if (self->data_kind == D_EXT)
        rc = finish_ext(self);
    self->state = self->pad > 0 ? S_PAD : S_HEADER;
    return rc;
}

/* One 512-byte header. `avail` bytes follow it in the current piece: a small regular
 * file found whole there is hashed in one call (no hasher object). */
static int header(Scanner *self, const unsigned char *h, const unsigned char *after,
                  Py_ssize_t avail, Py_ssize_t *used) {
    long long stored, size, padded, mode, uid, gid;
    long sum = 0;
    int i;
    char flag;
    PyObject *name = NULL, *link = NULL, *flagobj = NULL, *t;
    *used = 0;
    if (memcmp(h, ZERO, BLOCK) == 0) {
        self->state = S_END;
        return 0;
    }
    if (number(self, h + 148, 8, &stored) < 0)
        return -1;
    for (i = 0; i < BLOCK; i++)
        sum += h[i];
    for (i = 148; i < 156; i++)
        sum += ' ' - h[i];
    if (stored != sum)
        return fail(self, "a tar header has a bad checksum (the archive is corrupt)");
    flag = (char)h[156];
    if (number(self, h + 124, 12, &size) < 0)
        return -1;
    if (size > MAX_SIZE)
        return fail(self, "a tar header has an implausibly large size");
    padded = (size + BLOCK - 1) & ~(long long)(BLOCK - 1);
    if (flag == 'x' || flag == 'g' || flag == 'L' || flag == 'K') {
        if (size > EXT_LIMIT)
            return fail(self, "a tar extended header is implausibly large");
        self->ext_type = flag;
        self->ext_len = 0;
        if (self->ext_cap < size) {
            char *grown = PyMem_Realloc(self->ext, (size_t)size);
            if (grown == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            self->ext = grown;
            self->ext_cap = (Py_ssize_t)size;
        }
        self->data_kind = D_EXT;
        self->left = size;
        self->pad = padded - size;
        self->state = S_DATA;
        return size == 0 ? end_data(self) : 0;
    }
    name = text(h, 100);
    if (name == NULL)
        return -1;
    if (memcmp(h + 257, "ustar\0", 6) == 0 && h[345] != 0) {
        PyObject *prefix = text(h + 345, 155);
        if (prefix == NULL)
            goto error;
        Py_SETREF(name, PyUnicode_FromFormat("%U/%U", prefix, name));
        Py_DECREF(prefix);
        if (name == NULL)
            goto error;
    }
    link = text(h + 157, 100);
    if (link == NULL)
        goto error;
    if (self->long_name != NULL)
        Py_SETREF(name, Py_NewRef(self->long_name));
    if (self->long_link != NULL)
        Py_SETREF(link, Py_NewRef(self->long_link));
    {
        PyObject *path = self->local.path ? self->local.path : self->global.path;
        PyObject *linkpath = self->local.linkpath ? self->local.linkpath : self->global.linkpath;
        if (path != NULL)
            Py_SETREF(name, Py_NewRef(path));
        if (linkpath != NULL)
            Py_SETREF(link, Py_NewRef(linkpath));
    }
    if (self->local.has_size || self->global.has_size) {
        size = self->local.has_size ? self->local.size : self->global.size;
        if (size > MAX_SIZE) {
            fail(self, "a PAX record has an implausibly large size");
            goto error;
        }
        padded = (size + BLOCK - 1) & ~(long long)(BLOCK - 1);
    }
    if (self->local.has_uid || self->global.has_uid)
        uid = self->local.has_uid ? self->local.uid : self->global.uid;
    else if (number(self, h + 108, 8, &uid) < 0)
        goto error;
    if (self->local.has_gid || self->global.has_gid)
        gid = self->local.has_gid ? self->local.gid : self->global.gid;
    else if (number(self, h + 116, 8, &gid) < 0)
        goto error;
    if (flag == '\0' || flag == '0') {
        Py_ssize_t len = PyUnicode_GET_LENGTH(name);
        if (len > 0 && PyUnicode_READ_CHAR(name, len - 1) == '/')
            flag = '5'; /* old-style directory */
        else
            flag = '0';
    }
    pax_clear(&self->local);
    Py_CLEAR(self->long_name);
    Py_CLEAR(self->long_link);
    if (number(self, h + 100, 8, &mode) < 0)
        goto error;
    mode &= 07777;
    flagobj = flag_bytes(flag);
    if (flagobj == NULL)
        goto error;
    if (flag >= '1' && flag <= '6') { /* header only: no data follows */
        if (emit(self, name, flagobj, size, mode, uid, gid, link, empty_bytes) < 0)
            goto error;
        goto done;
    }
    self->left = size;
    self->pad = padded - size;
    if (flag == '0' || flag == '7') {
        if (size <= avail) { /* the whole file is in this piece */
            PyObject *view = PyMemoryView_FromMemory((char *)after, (Py_ssize_t)size, PyBUF_READ);
            PyObject *digest, *r;
            if (view == NULL)
                goto error;
            digest = PyObject_CallOneArg(self->digest_of, view);
            r = PyObject_CallMethodNoArgs(view, str_release);
            Py_DECREF(view);
            if (digest == NULL || r == NULL) {
                Py_XDECREF(digest);
                Py_XDECREF(r);
                goto error;
            }
            Py_DECREF(r);
            i = emit(self, name, flagobj, size, mode, uid, gid, link, digest);
            Py_DECREF(digest);
            if (i < 0)
                goto error;
            *used = (Py_ssize_t)size;
            self->left = 0;
            self->state = self->pad > 0 ? S_PAD : S_HEADER;
            goto done;
        }
        t = PyObject_CallNoArgs(self->new_hasher);
        if (t == NULL)
            goto error;
        self->hasher = t;
        self->update = PyObject_GetAttrString(t, "update");
        if (self->update == NULL)
            goto error;
        self->p_name = Py_NewRef(name);
        self->p_flag = Py_NewRef(flagobj);
        self->p_link = Py_NewRef(link);
        self->p_size = size;
        self->p_mode = mode;
        self->p_uid = uid;
        self->p_gid = gid;
        self->data_kind = D_HASH;
    } else {
        if (emit(self, name, flagobj, size, mode, uid, gid, link, empty_bytes) < 0)
            goto error;
        self->data_kind = D_SKIP;
    }
    self->state = S_DATA;
    if (size == 0 && end_data(self) < 0)
        goto error;
done:
    Py_DECREF(name);
    Py_DECREF(link);
    Py_DECREF(flagobj);
    return 0;
error:
    Py_XDECREF(name);
    Py_XDECREF(link);
    Py_XDECREF(flagobj);
    pending_clear(self);
    return -1;
}

static int consume(Scanner *self, const unsigned char *p, Py_ssize_t n) {
    while (n > 0) {
        Py_ssize_t take, used;
        switch (self->state) {
        case S_END:
            return 0;
        case S_HEADER:
            if (self->hdr_len == 0 && n >= BLOCK) {
                if (header(self, p, p + BLOCK, n - BLOCK, &used) < 0)
                    return -1;
                p += BLOCK + used;
                n -= BLOCK + used;
                break;
            }
            take = BLOCK - self->hdr_len;
            if (take > n)
                take = n;
            memcpy(self->hdr + self->hdr_len, p, (size_t)take);
            self->hdr_len += take;
            p += take;
            n -= take;
            if (self->hdr_len == BLOCK) {
                self->hdr_len = 0;
                if (header(self, self->hdr, p, n, &used) < 0)
                    return -1;
                p += used;
                n -= used;
            }
            break;
        case S_DATA:
            take = self->left < n ? (Py_ssize_t)self->left : n;
            if (self->data_kind == D_HASH) {
                if (hash_update(self, p, take) < 0)
                    return -1;
            } else if (self->data_kind == D_EXT) {
                memcpy(self->ext + self->ext_len, p, (size_t)take);
                self->ext_len += take;
            }
            self->left -= take;
            p += take;
            n -= take;
            if (self->left == 0 && end_data(self) < 0)
                return -1;
            break;
        case S_PAD:
            take = self->pad < n ? (Py_ssize_t)self->pad : n;
            self->pad -= take;
            p += take;
            n -= take;
            if (self->pad == 0)
                self->state = S_HEADER;
            break;
        }
    }
    return 0;
}

static PyObject *Scanner_feed(Scanner *self, PyObject *arg) {
    Py_buffer view;
    int rc;
    if (self->entries == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Scanner.__init__ was not called");
        return NULL;
    }
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    rc = consume(self, view.buf, view.len);
    PyBuffer_Release(&view);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *Scanner_finish(Scanner *self, PyObject *Py_UNUSED(ignored)) {
    /* The input ended. A regular file cut short is still listed with the hash of what
     * arrived (as the pure-Python reader does); anything else unfinished is dropped. */
    if (self->state == S_DATA && self->data_kind == D_HASH && finish_file(self) < 0)
        return NULL;
    self->state = S_END;
    Py_RETURN_NONE;
}

static PyObject *Scanner_take(Scanner *self, PyObject *Py_UNUSED(ignored)) {
    PyObject *fresh, *out;
    if (self->entries == NULL)
        return PyList_New(0);
    fresh = PyList_New(0);
    if (fresh == NULL)
        return NULL;
    out = self->entries;
    self->entries = fresh;
    return out;
}

static PyObject *Scanner_ended(Scanner *self, void *Py_UNUSED(closure)) {
    return PyBool_FromLong(self->state == S_END);
}

static int Scanner_init(Scanner *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"new_hasher", "digest_of", "error", NULL};
    PyObject *new_hasher, *digest_of, *error;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOO", kwlist, &new_hasher, &digest_of, &error))
        return -1;
    if (!PyExceptionClass_Check(error)) {
        PyErr_SetString(PyExc_TypeError, "error must be an exception class");
        return -1;
    }
    Py_XSETREF(self->new_hasher, Py_NewRef(new_hasher));
    Py_XSETREF(self->digest_of, Py_NewRef(digest_of));
    Py_XSETREF(self->error, Py_NewRef(error));
    Py_XSETREF(self->entries, PyList_New(0));
    return self->entries == NULL ? -1 : 0;
}

static void Scanner_dealloc(Scanner *self) {
    Py_XDECREF(self->new_hasher);
    Py_XDECREF(self->digest_of);
    Py_XDECREF(self->error);
    Py_XDECREF(self->entries);
    pending_clear(self);
    pax_clear(&self->local);
    pax_clear(&self->global);
    Py_XDECREF(self->long_name);
    Py_XDECREF(self->long_link);
    PyMem_Free(self->ext);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef Scanner_methods[] = {
    {"feed", (PyCFunction)Scanner_feed, METH_O, "Scan the next bytes of the layer tar."},
    {"finish", (PyCFunction)Scanner_finish, METH_NOARGS, "The input ended."},
    {"take", (PyCFunction)Scanner_take, METH_NOARGS,
     "The entries finished so far (and forget them)."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Scanner_getset[] = {
    {"ended", (getter)Scanner_ended, NULL, "The end-of-archive block was read.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject ScannerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "workbench.layers._native.Scanner",
    .tp_basicsize = sizeof(Scanner),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A layer tar read piece by piece into entry tuples.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Scanner_init,
    .tp_dealloc = (destructor)Scanner_dealloc,
    .tp_methods = Scanner_methods,
    .tp_getset = Scanner_getset,
};

#ifdef HAVE_CHUNKED_READER
/* ChunkedReader: HTTP chunked transfer decoding straight off a socket, as
 * workbench/layers/load.py `dechunk` does, with the interpreter lock released while a
 * whole receive buffer fills. Why: the Python reader needed the lock after each socket
 * read (~6,000 per export of the benchmark image); whenever the parser held it, the
 * socket filled up and the engine stalled.
 *
 *     reader = ChunkedReader(sock.fileno(), sock.gettimeout())
 *     spans = reader.fill(buffer, have)  # [(start, end), ...] of payload in buffer
 *     reader.finished                    # the terminating chunk was read
 *
 * `have` bytes already at the start of `buffer` (what Python's buffered reader held)
 * are decoded before anything is read. The socket is only read, never closed: its
 * owner closes it (a shutdown from another thread ends a read at once). */
typedef struct {
    PyObject_HEAD
    int fd;
    int timeout_ms; /* -1: wait as long as it takes */
    long long left; /* payload bytes of the current chunk still to come */
    int crlf;       /* bytes of the CRLF after a chunk's payload still to skip */
    char line[64];  /* a chunk-size line cut by the end of a read */
    int line_len;
    int finished;
} ChunkedReader;

enum { RD_OK = 0, RD_EOF = -1, RD_ERRNO = -2, RD_TIMEOUT = -3, RD_BADLINE = -4, RD_NOMEM = -5 };

typedef struct {
    Py_ssize_t *v;
    Py_ssize_t n, cap;
} Spans;

static int spans_add(Spans *sp, Py_ssize_t a, Py_ssize_t b) {
    if (sp->n > 0 && sp->v[2 * sp->n - 1] == a) { /* the same chunk over two reads */
        sp->v[2 * sp->n - 1] = b;
        return 0;
    }
    if (sp->n == sp->cap) {
        Py_ssize_t cap = sp->cap ? sp->cap * 2 : 64;
        Py_ssize_t *grown = realloc(sp->v, (size_t)cap * 2 * sizeof(Py_ssize_t));
        if (grown == NULL)
            return RD_NOMEM;
        sp->v = grown;
        sp->cap = cap;
    }
    sp->v[2 * sp->n] = a;
    sp->v[2 * sp->n + 1] = b;
    sp->n++;
    return 0;
}

/* Decode [*p, end) of buf; returns RD_OK, or RD_BADLINE / RD_NOMEM. */
static int decode(ChunkedReader *r, const unsigned char *buf, Py_ssize_t *p, Py_ssize_t end,
                  Spans *sp) {
    while (*p < end && !r->finished) {
        if (r->left > 0) {
            Py_ssize_t take = end - *p < r->left ? end - *p : (Py_ssize_t)r->left;
            if (spans_add(sp, *p, *p + take) < 0)
                return RD_NOMEM;
            *p += take;
            r->left -= take;
            if (r->left == 0)
                r->crlf = 2;
        } else if (r->crlf > 0) {
            Py_ssize_t skip = end - *p < r->crlf ? end - *p : r->crlf;
            *p += skip;
            r->crlf -= (int)skip;
        } else {
            unsigned char c = buf[(*p)++];
            if (c == '\n') {
                long long size = 0;
                int i, digits = 0;
                if (r->line_len == 0 || r->line[r->line_len - 1] != '\r')
                    return RD_BADLINE;
                for (i = 0; i < r->line_len - 1; i++) {
                    char h = r->line[i];
                    int d = (h >= '0' && h <= '9') ? h - '0'
                            : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                            : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
                    if (d < 0) {
                        if (h == ';' && digits) /* chunk extensions: ignored */
                            break;
                        return RD_BADLINE;
                    }
                    if (size >> 56)
                        return RD_BADLINE;
                    size = size * 16 + d;
                    digits++;
                }
                if (!digits)
                    return RD_BADLINE;
                r->line_len = 0;
                r->left = size;
                if (size == 0)
                    r->finished = 1;
            } else {
                if (r->line_len == (int)sizeof(r->line))
                    return RD_BADLINE;
                r->line[r->line_len++] = (char)c;
            }
        }
    }
    return RD_OK;
}

static int wait_readable(ChunkedReader *r) {
    struct pollfd pfd;
    int rc;
    pfd.fd = r->fd;
    pfd.events = POLLIN;
    do {
        rc = poll(&pfd, 1, r->timeout_ms);
    } while (rc < 0 && errno == EINTR);
    if (rc == 0)
        return RD_TIMEOUT;
    return rc < 0 ? RD_ERRNO : RD_OK;
}

static PyObject *ChunkedReader_fill(ChunkedReader *self, PyObject *args) {
    Py_buffer view;
    Py_ssize_t have, p = 0, end, i;
    Spans sp = {NULL, 0, 0};
    int rc = RD_OK, err = 0;
    PyObject *out;
    if (!PyArg_ParseTuple(args, "w*n", &view, &have))
        return NULL;
    if (have < 0 || have > view.len) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "have is outside the buffer");
        return NULL;
    }
    end = have;
    Py_BEGIN_ALLOW_THREADS
    rc = decode(self, view.buf, &p, end, &sp);
    while (rc == RD_OK && !self->finished && end < view.len) {
        ssize_t n = recv(self->fd, (char *)view.buf + end, (size_t)(view.len - end), 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) { /* a socket with a timeout */
                rc = wait_readable(self);
                if (rc == RD_ERRNO)
                    err = errno;
                continue;
            }
            err = errno;
            rc = RD_ERRNO;
            break;
        }
        if (n == 0) {
            rc = RD_EOF;
            break;
        }
        end += n;
        rc = decode(self, view.buf, &p, end, &sp);
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    if (rc != RD_OK) {
        free(sp.v);
        if (rc == RD_EOF)
            PyErr_SetString(PyExc_ConnectionError,
                            "The engine's export ended in the middle of the stream.");
        else if (rc == RD_ERRNO) {
            errno = err;
            PyErr_SetFromErrno(PyExc_OSError);
        }
        else if (rc == RD_TIMEOUT)
            PyErr_SetString(PyExc_TimeoutError, "The engine stopped sending the export.");
        else if (rc == RD_BADLINE)
            PyErr_SetString(PyExc_ConnectionError,
                            "The engine's export is not in HTTP chunks (a bad size line).");
        else
            PyErr_NoMemory();
        return NULL;
    }
    out = PyList_New(sp.n);
    for (i = 0; out != NULL && i < sp.n; i++) {
        PyObject *t = Py_BuildValue("(nn)", sp.v[2 * i], sp.v[2 * i + 1]);
        if (t == NULL) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, i, t);
    }
    free(sp.v);
    return out;
}

static int ChunkedReader_init(ChunkedReader *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"fd", "timeout", NULL};
    int fd;
    PyObject *timeout = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "i|O", kwlist, &fd, &timeout))
        return -1;
    if (fd < 0) {
        PyErr_SetString(PyExc_ValueError, "not an open socket");
        return -1;
    }
    self->fd = fd;
    self->timeout_ms = -1;
    if (timeout != Py_None) {
        double seconds = PyFloat_AsDouble(timeout);
        if (seconds == -1.0 && PyErr_Occurred())
            return -1;
        self->timeout_ms = seconds * 1000 > INT_MAX ? INT_MAX : (int)(seconds * 1000);
    }
    self->left = 0;
    self->crlf = 0;
    self->line_len = 0;
    self->finished = 0;
    return 0;
}

static PyObject *ChunkedReader_finished(ChunkedReader *self, void *Py_UNUSED(closure)) {
    return PyBool_FromLong(self->finished);
}

static PyMethodDef ChunkedReader_methods[] = {
    {"fill", (PyCFunction)ChunkedReader_fill, METH_VARARGS,
     "fill(buffer, have) -> payload spans: decode `have` bytes, then read until full."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef ChunkedReader_getset[] = {
    {"finished", (getter)ChunkedReader_finished, NULL, "The last chunk was read.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject ChunkedReaderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "workbench.layers._native.ChunkedReader",
    .tp_basicsize = sizeof(ChunkedReader),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "HTTP chunked decoding off a socket, a receive buffer at a time.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)ChunkedReader_init,
    .tp_methods = ChunkedReader_methods,
    .tp_getset = ChunkedReader_getset,
};
#endif

/* ------------------------------------------------------------------------------------
 * entries(fields, entry_type, kinds, fallback): layer entries from Scanner.take()'s
 * field tuples, as archive.entry_of makes them. Names that are already clean ("usr/x",
 * "./usr/x/", the common case) of regular files, directories and symlinks are turned
 * into entries here; anything else (hidden names, whiteouts, "..", hard links, other
 * types) goes to ``fallback`` (entry_of itself), so the Python code stays the one
 * definition and this is only its fast path. ~1.2 us of Python per entry saved.
 * ------------------------------------------------------------------------------------ */

static PyObject *str_slash, *str_empty;

/* The clean part of ``name`` as [*start, *end); 0 if the fast path does not apply. */
static int clean_span(PyObject *name, Py_ssize_t *start, Py_ssize_t *end, Py_ssize_t *last) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(name), a = 0, b, j;
    int kind = PyUnicode_KIND(name);
    const void *d = PyUnicode_DATA(name);
#define CH(i) PyUnicode_READ(kind, d, (i))
    for (;;) {
        if (a < n && CH(a) == '/')
            a++;
        else if (a + 1 < n && CH(a) == '.' && CH(a + 1) == '/')
            a += 2;
        else
            break;
    }
    b = n;
    while (b > a && CH(b - 1) == '/')
        b--;
    if (b == a || CH(a) == '.')
        return 0;
    *last = -1;
    for (j = a; j < b; j++) {
        if (CH(j) == '/') {
            Py_UCS4 next = CH(j + 1); /* j + 1 < b: the span does not end with '/' */
            if (next == '/' || next == '.')
                return 0;
            *last = j;
        }
    }
#undef CH
    *start = a;
    *end = b;
    return 1;
}

/* The entry for one field tuple, or NULL without an error set: not for the fast path. */
static PyObject *fast_entry(PyObject *f, PyTypeObject *etype, PyObject *kinds) {
    PyObject *name, *flag, *digest, *link, *kind, *sub, *plain, *args, *e;
    Py_ssize_t a, b, last, i;
    char c;
    if (!PyTuple_CheckExact(f) || PyTuple_GET_SIZE(f) != 8)
        return NULL;
    name = PyTuple_GET_ITEM(f, 0);
    flag = PyTuple_GET_ITEM(f, 1);
    link = PyTuple_GET_ITEM(f, 6);
    digest = PyTuple_GET_ITEM(f, 7);
    if (!PyUnicode_CheckExact(name) || !PyBytes_CheckExact(flag) || PyBytes_GET_SIZE(flag) != 1
        || !PyBytes_CheckExact(digest) || !PyUnicode_CheckExact(link))
        return NULL;
    for (i = 2; i < 6; i++)
        if (!PyLong_CheckExact(PyTuple_GET_ITEM(f, i)))
            return NULL;
    c = PyBytes_AS_STRING(flag)[0];
    if (c == '0' || c == '7') {
        kind = PyTuple_GET_ITEM(kinds, 0);
        link = str_empty;
    } else if (c == '5' || c == '2') {
        if (PyBytes_GET_SIZE(digest) != 0)
            return NULL;
        kind = PyTuple_GET_ITEM(kinds, c == '5' ? 1 : 2);
        if (c == '5')
            link = str_empty;
    } else
        return NULL;
    if (!clean_span(name, &a, &b, &last))
        return NULL;
    plain = PyTuple_New(10);
    if (plain == NULL)
        return NULL;
    sub = PyUnicode_Substring(name, a, b);
    if (sub == NULL)
        goto fail;
    PyTuple_SET_ITEM(plain, 9, last < 0 ? Py_NewRef(sub) : PyUnicode_Substring(name, last + 1, b));
    if (PyTuple_GET_ITEM(plain, 9) == NULL) {
        Py_DECREF(sub);
        goto fail;
    }
    PyTuple_SET_ITEM(plain, 0, PyUnicode_Concat(str_slash, sub));
    Py_DECREF(sub);
    if (PyTuple_GET_ITEM(plain, 0) == NULL)
        goto fail;
    PyTuple_SET_ITEM(plain, 8, PyUnicode_FromOrdinal((unsigned char)c));
    if (PyTuple_GET_ITEM(plain, 8) == NULL)
        goto fail;
    PyTuple_SET_ITEM(plain, 1, Py_NewRef(kind));
    for (i = 2; i < 6; i++) /* size, mode, uid, gid */
        PyTuple_SET_ITEM(plain, i, Py_NewRef(PyTuple_GET_ITEM(f, i)));
    PyTuple_SET_ITEM(plain, 6, Py_NewRef(link));
    PyTuple_SET_ITEM(plain, 7, Py_NewRef(digest));
    /* tuple's own constructor for the subtype (as tuple.__new__(Entry, ...) does): it sets
     * up whatever a tuple needs besides its items (3.14 caches the hash in the object). */
    args = PyTuple_Pack(1, plain);
    Py_DECREF(plain);
    if (args == NULL)
        return NULL;
    e = PyTuple_Type.tp_new(etype, args, NULL);
    Py_DECREF(args);
    return e;
fail:
    Py_DECREF(plain); /* items not set yet are NULL, which tuple dealloc skips */
    return NULL;
}

static PyObject *native_entries(PyObject *Py_UNUSED(mod), PyObject *args) {
    PyObject *fields, *etype, *kinds, *fallback, *out;
    Py_ssize_t i;
    if (!PyArg_ParseTuple(args, "O!O!O!O", &PyList_Type, &fields, &PyType_Type, &etype,
                          &PyTuple_Type, &kinds, &fallback))
        return NULL;
    if (!PyType_IsSubtype((PyTypeObject *)etype, &PyTuple_Type)
        || ((PyTypeObject *)etype)->tp_itemsize != (Py_ssize_t)sizeof(PyObject *)
        || PyTuple_GET_SIZE(kinds) != 3) {
        PyErr_SetString(PyExc_TypeError, "entries(fields, tuple type, (file, dir, symlink), fn)");
        return NULL;
    }
    out = PyList_New(0);
    /* The size is read again each time and the field tuple held while used: the fallback
     * is Python code, which could change the list. */
    for (i = 0; out != NULL && i < PyList_GET_SIZE(fields); i++) {
        PyObject *f = Py_NewRef(PyList_GET_ITEM(fields, i));
        PyObject *e = fast_entry(f, (PyTypeObject *)etype, kinds);
        if (e == NULL && !PyErr_Occurred()) {
            e = PyTuple_Check(f) ? PyObject_Call(fallback, f, NULL) : NULL;
            if (e == NULL && !PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "a field tuple was expected");
        }
        Py_DECREF(f);
        if (e == NULL) {
            Py_CLEAR(out);
            break;
        }
        if (e != Py_None && PyList_Append(out, e) < 0)
            Py_CLEAR(out);
        Py_DECREF(e);
    }
    return out;
}

static PyMethodDef module_methods[] = {
    {"entries", native_entries, METH_VARARGS,
     "Layer entries from field tuples (entry_of's fast path; fallback for the rest)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_native",
    .m_doc = "The compiled layer-tar scanner.",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__native(void) {
    PyObject *m;
    if (PyType_Ready(&ScannerType) < 0)
        return NULL;
    str_release = PyUnicode_InternFromString("release");
    str_digest = PyUnicode_InternFromString("digest");
    empty_bytes = PyBytes_FromStringAndSize("", 0);
    str_slash = PyUnicode_InternFromString("/");
    str_empty = PyUnicode_InternFromString("");
    if (!str_release || !str_digest || !empty_bytes || !str_slash || !str_empty)
        return NULL;
    m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "Scanner", (PyObject *)&ScannerType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
#ifdef HAVE_CHUNKED_READER
    if (PyType_Ready(&ChunkedReaderType) < 0 ||
        PyModule_AddObjectRef(m, "ChunkedReader", (PyObject *)&ChunkedReaderType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
#endif
    return m;
}
