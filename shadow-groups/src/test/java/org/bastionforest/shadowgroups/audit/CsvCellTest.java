package org.bastionforest.shadowgroups.audit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CsvCellTest {
    @ParameterizedTest(name = "[{0}] -> [{1}]")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                "plain|plain",
                "''|''",
                "=1+2|\"'=1+2\"",
                "+1|\"'+1\"",
                "-1|\"'-1\"",
                "@SUM(A1)|\"'@SUM(A1)\"",
                "a,b|\"a,b\"",
                "say \"hi\"|\"say \"\"hi\"\"\"",
                "in=side|in=side"
            })
    void csvCell_whenValueIsGiven_thenNeutralizedAndQuotedAsNeeded(String value, String cell) {
        assertThat(AuditLog.csvCell(value)).isEqualTo(cell);
    }
}
