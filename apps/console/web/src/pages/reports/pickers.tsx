// @access reports
// The reports' shared filters: a heating season (the newest published by default) and a range of days.
import { DatePicker, Select } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useMemo } from 'react';
import { useGraphQL } from '../../api/hooks';
import { useT } from '../../i18n';
import { ReportsSeasonsDoc } from './documents';

export function SeasonPicker({ value, onChange }: { value: string | undefined; onChange: (id: string) => void }) {
  const t = useT();
  const { data, isLoading } = useGraphQL(ReportsSeasonsDoc, {});
  const list = useMemo(() => data?.seasons ?? [], [data]);
  const current = useMemo(
    () => [...list].sort((a, b) => b.heatingStart.localeCompare(a.heatingStart)).find((s) => s.published) ?? list[0],
    [list],
  );
  useEffect(() => {
    if (!value && current) onChange(current.id);
  }, [value, current, onChange]);
  return (
    <Select
      style={{ width: 200 }}
      loading={isLoading}
      value={value}
      onChange={onChange}
      placeholder={t('采暖季', 'Season')}
      options={list.map((s) => ({ value: s.id, label: s.name }))}
      data-testid="report-season"
    />
  );
}

export type Range = readonly [from: string, to: string];

export function lastDays(days: number, today: Dayjs = dayjs()): Range {
  return [today.subtract(days - 1, 'day').format('YYYY-MM-DD'), today.format('YYYY-MM-DD')];
}

export function RangePicker({ value, onChange, testId = 'report-range' }: { value: Range; onChange: (r: Range) => void; testId?: string }) {
  return (
    <DatePicker.RangePicker
      allowClear={false}
      value={[dayjs(value[0]), dayjs(value[1])]}
      disabledDate={(d) => d.isAfter(dayjs(), 'day')}
      onChange={(v) => {
        if (v?.[0] && v[1]) onChange([v[0].format('YYYY-MM-DD'), v[1].format('YYYY-MM-DD')]);
      }}
      data-testid={testId}
    />
  );
}
