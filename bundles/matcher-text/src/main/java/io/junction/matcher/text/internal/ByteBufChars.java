package io.junction.matcher.text.internal;

import io.netty.buffer.ByteBuf;

/**
 * A binary sample read as text, one byte per char (ISO-8859-1), as HAProxy applies string
 * matching to binary samples byte for byte. Reused per thread (see {@link Scratch}): it wraps a
 * buffer only for the duration of one match and never retains, releases or moves it (absolute
 * {@code getByte}, so the reader index stays where the sniffer left it).
 */
final class ByteBufChars implements CharSequence {
    private ByteBuf buf;
    private int base;
    private int length;

    /** Event loop: views the readable bytes of {@code b}. */
    ByteBufChars wrap(ByteBuf b) {
        this.buf = b;
        this.base = b.readerIndex();
        this.length = b.readableBytes();
        return this;
    }

    /** Event loop: drops the reference, so no buffer outlives the match through this view. */
    void clear() {
        buf = null;
        length = 0;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public char charAt(int index) {
        if (index < 0 || index >= length) {
            throw new IndexOutOfBoundsException(index);
        }
        return (char) (buf.getByte(base + index) & 0xFF);
    }

    /** Copies: rarely used (java.util.regex asks for it only to extract groups, which we never do). */
    @Override
    public CharSequence subSequence(int start, int end) {
        return toString().substring(start, end);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(charAt(i));
        }
        return sb.toString();
    }
}
