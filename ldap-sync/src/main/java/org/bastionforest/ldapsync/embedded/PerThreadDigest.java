package org.bastionforest.ldapsync.embedded;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A {@link MessageDigest} whose state is kept per thread. UnboundID's {@code
 * SaltedMessageDigestInMemoryPasswordEncoder} uses the one digest it is given for every bind, from
 * every listener thread at once, and a {@code MessageDigest} is not thread-safe: concurrent binds
 * then fail at random with invalid credentials (9 of 1,939 correct binds on 8 threads). With this
 * digest each thread's reset/update/digest sequence runs on its own instance.
 */
final class PerThreadDigest extends MessageDigest {
    private final ThreadLocal<MessageDigest> digest;

    /**
     * @param algorithm a digest algorithm the JDK provides ({@code SHA-256})
     * @throws NoSuchAlgorithmException if it does not
     */
    PerThreadDigest(String algorithm) throws NoSuchAlgorithmException {
        super(algorithm);
        MessageDigest.getInstance(algorithm); // fail now, not on the first bind
        digest =
                ThreadLocal.withInitial(
                        () -> {
                            try {
                                return MessageDigest.getInstance(algorithm);
                            } catch (NoSuchAlgorithmException e) {
                                throw new IllegalStateException(e);
                            }
                        });
    }

    @Override
    protected void engineUpdate(byte input) {
        digest.get().update(input);
    }

    @Override
    protected void engineUpdate(byte[] input, int offset, int len) {
        digest.get().update(input, offset, len);
    }

    @Override
    protected byte[] engineDigest() {
        return digest.get().digest();
    }

    @Override
    protected void engineReset() {
        digest.get().reset();
    }

    @Override
    protected int engineGetDigestLength() {
        return digest.get().getDigestLength();
    }
}
