// An audit row's `detail` (JSON) as "key: value" lines; shared by the company's and the platform's log.
import { Typography } from 'antd';
import { detailPairs } from '../../lib/audit';

export function Detail({ detail }: { detail: string }) {
  const pairs = detailPairs(detail);
  if (!pairs.length) return <>—</>;
  return (
    <div style={{ maxWidth: 360 }}>
      {pairs.map(([k, v]) => (
        <div key={k || v} style={{ wordBreak: 'break-all' }}>
          {k && <Typography.Text type="secondary">{k}: </Typography.Text>}
          {v}
        </div>
      ))}
    </div>
  );
}
