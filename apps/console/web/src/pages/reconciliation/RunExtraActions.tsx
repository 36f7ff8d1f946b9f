// @access reconciliation
// Run a matched or failed run again (fetch, parse, match afresh; resolved differences are kept).
import { ReloadOutlined } from '@ant-design/icons';
import { App, Button, Popconfirm } from 'antd';
import { useState } from 'react';
import { ApiError, request } from '../../api/client';
import type { StatementRunStatus } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { ReconRerunDoc } from './documents';
import { mayRerun } from './run';

export function RunExtraActions({ run, onChanged }: { run: { id: string; status: StatementRunStatus }; onChanged: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  if (!mayRerun(run.status)) return null;
  const rerun = async () => {
    setBusy(true);
    try {
      const res = (await request(ReconRerunDoc, { id: run.id })).rerunStatementRun;
      if (res?.errors.length) message.error(res.errors.map((e) => e.message).join(' '));
      else {
        message.success(t('已重新发起对账', 'Running it again'));
        onChanged();
      }
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Popconfirm
      title={t('重新下载并比对该账单？已处理的差异会保留。', 'Fetch and match this bill again? Resolved differences are kept.')}
      onConfirm={rerun}
    >
      <Button icon={<ReloadOutlined />} loading={busy} data-testid="run-rerun">
        {t('重新对账', 'Run again')}
      </Button>
    </Popconfirm>
  );
}
