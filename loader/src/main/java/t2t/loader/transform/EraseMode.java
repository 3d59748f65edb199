package t2t.loader.transform;

import java.util.Locale;

/** timm {@code RandomErasing} fill: i.i.d. N(0,1) per value, one N(0,1) per channel, or 0. */
public enum EraseMode {
    PIXEL, RAND, CONST;

    public static EraseMode parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new t2t.protocol.UserInputException("unknown erase mode '" + name + "': use pixel, rand or const");
        }
    }
}
