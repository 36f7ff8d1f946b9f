// @access reconciliation
// What the system did on its own with a difference: a tag for the kind of action, then what it said.
import { Tag } from 'antd';
import { useT } from '../../i18n';
import { AUTO_ACTION, AUTO_ACTION_COLOR, splitAutoAction } from './labels';

export function AutoAction({ value, testId }: { value: string | null; testId?: string }) {
  const t = useT();
  if (!value) return <>—</>;
  const { kind, text } = splitAutoAction(value);
  return (
    <span data-testid={testId} data-kind={kind ?? undefined}>
      {kind && <Tag color={AUTO_ACTION_COLOR[kind]}>{t(...AUTO_ACTION[kind])}</Tag>}
      {text}
    </span>
  );
}
