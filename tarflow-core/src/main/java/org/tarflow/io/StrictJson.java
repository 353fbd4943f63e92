package org.tarflow.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;

/**
 * JSON parsed as RFC 8259 has it, for text that other programs write and read too (safetensors
 * headers, the configurations stored in their metadata). Gson's {@code JsonParser} is lenient: it
 * accepts comments, single quotes, unquoted names, {@code NaN} and text after the value, and keeps
 * the last of two equal keys. The safetensors format's own parser (Rust's serde_json) refuses the
 * first five; a duplicate key is refused here as well, because a header naming a tensor twice is
 * ambiguous, whichever copy a reader keeps.
 */
public final class StrictJson {
    /** Nesting deeper than this is refused, so that hostile input cannot exhaust the stack. */
    private static final int MAX_DEPTH = 64;

    private static final String LENIENT_ADVICE = "Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON";

    private StrictJson() {
    }

    /**
     * Parses one JSON value, with nothing but whitespace after it.
     *
     * @param json the text
     * @return the value; numbers keep their exact decimal text
     * @throws JsonParseException for anything that is not strict JSON, a duplicate key in an object, or
     *                            nesting deeper than 64; the message says what and where
     */
    public static JsonElement parse(String json) {
        try (JsonReader r = new JsonReader(new StringReader(json))) {
            r.setStrictness(Strictness.STRICT);
            JsonElement v = read(r, 0);
            boolean end;
            try {
                end = r.peek() == JsonToken.END_DOCUMENT;
            } catch (MalformedJsonException e) {
                end = false;
            }
            if (!end) {
                throw new JsonParseException("text after the JSON value");
            }
            return v;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            // JsonReader reports syntax errors as MalformedJsonException (an IOException), wrong tokens as ISE;
            // its advice to switch to lenient parsing is the opposite of what a reader of these files should do
            String m = String.valueOf(e.getMessage()).replace(LENIENT_ADVICE, "not strict JSON (comments, single "
                    + "quotes, unquoted names, NaN and a second value are refused)");
            throw new JsonParseException(m, e);
        }
    }

    private static JsonElement read(JsonReader r, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new JsonParseException("JSON nested deeper than " + MAX_DEPTH + " levels");
        }
        switch (r.peek()) {
            case BEGIN_OBJECT -> {
                JsonObject o = new JsonObject();
                r.beginObject();
                while (r.hasNext()) {
                    String name = r.nextName();
                    if (o.has(name)) {
                        throw new JsonParseException("duplicate key '" + name + "' at path " + r.getPath());
                    }
                    o.add(name, read(r, depth + 1));
                }
                r.endObject();
                return o;
            }
            case BEGIN_ARRAY -> {
                JsonArray a = new JsonArray();
                r.beginArray();
                while (r.hasNext()) {
                    a.add(read(r, depth + 1));
                }
                r.endArray();
                return a;
            }
            case STRING -> {
                return new JsonPrimitive(r.nextString());
            }
            case NUMBER -> {
                return new JsonPrimitive(new BigDecimal(r.nextString()));
            }
            case BOOLEAN -> {
                return new JsonPrimitive(r.nextBoolean());
            }
            case NULL -> {
                r.nextNull();
                return JsonNull.INSTANCE;
            }
            default -> throw new JsonParseException("unexpected " + r.peek() + " at path " + r.getPath());
        }
    }
}
