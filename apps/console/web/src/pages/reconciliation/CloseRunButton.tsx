// @access reconciliation
// Close a matched run once no difference is open. Disabled, with the reason in a tooltip, while it cannot be.
import { App, Button, Popconfirm, Tooltip, type ButtonProps } from 'antd';
import { useState } from 'react';
import { ApiError, request } from '../../api/client';
import type { StatementRunStatus } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { ReconCloseRunDoc } from './documents';
import { closeBlockedReason } from './run';

interface Props {
  run: { id: string; status: StatementRunStatus; canClose: boolean; openDifferenceCount: number };
  onClosed: () => void;
}

export function CloseRunButton({ run, onClosed }: Props) {
  const t = useT();
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  const reason = closeBlockedReason(run, t);

  const close = async () => {
    setBusy(true);
    try {
      const res = (await request(ReconCloseRunDoc, { id: run.id })).closeStatementRun;
      if (res?.errors.length) message.error(res.errors.map((e) => e.message).join(' '));
      else {
        message.success(t('批次已关闭', 'The run is closed'));
        onClosed();
      }
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  if (reason)
    return (
      <Tooltip title={reason}>
        {/* A disabled button swallows the hover: the span carries the tooltip (and the reason for tests). */}
        <span data-testid="run-close-reason" data-reason={reason}>
          <Button disabled data-testid="run-close">
            {t('关闭批次', 'Close the run')}
          </Button>
        </span>
      </Tooltip>
    );
  return (
    <Popconfirm
      title={t('关闭后不能再处理差异或重新对账，确认关闭？', 'A closed run takes no more resolutions or reruns. Close it?')}
      onConfirm={close}
      okButtonProps={{ 'data-testid': 'run-close-confirm' } as ButtonProps}
    >
      <Button type="primary" loading={busy} data-testid="run-close">
        {t('关闭批次', 'Close the run')}
      </Button>
    </Popconfirm>
  );
}
