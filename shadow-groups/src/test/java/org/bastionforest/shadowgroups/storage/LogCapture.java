package org.bastionforest.shadowgroups.storage;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.LoggerFactory;

/**
 * Records every log event of every logger, at every level, while open: messages and the messages of
 * attached exceptions. Thread-safe.
 */
final class LogCapture implements AutoCloseable {
    private final Queue<String> lines = new ConcurrentLinkedQueue<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    private final Logger bastion = (Logger) LoggerFactory.getLogger("org.bastionforest");
    private final Level rootLevel = root.getLevel();
    private final Level bastionLevel = bastion.getLevel();
    private final AppenderBase<ILoggingEvent> appender =
            new AppenderBase<>() {
                @Override
                protected void append(ILoggingEvent event) {
                    StringBuilder line = new StringBuilder(event.getFormattedMessage());
                    for (IThrowableProxy t = event.getThrowableProxy();
                            t != null;
                            t = t.getCause()) {
                        line.append(" | ")
                                .append(t.getClassName())
                                .append(": ")
                                .append(t.getMessage());
                    }
                    lines.add(line.toString());
                }
            };

    private LogCapture() {
        appender.setContext(root.getLoggerContext());
        appender.start();
        root.addAppender(appender);
        root.setLevel(Level.TRACE);
        bastion.setLevel(Level.TRACE);
    }

    static LogCapture everything() {
        return new LogCapture();
    }

    /** All recorded lines, one per event. */
    String text() {
        return String.join("\n", lines);
    }

    int size() {
        return lines.size();
    }

    @Override
    public void close() {
        root.setLevel(rootLevel);
        bastion.setLevel(bastionLevel);
        root.detachAppender(appender);
        appender.stop();
    }
}
