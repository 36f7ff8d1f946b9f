import { Typography } from 'antd';

/** A number to tap and call; a masked one (138****5678: the role may not see it in full) is only shown. */
export function Phone({ phone, testId }: { phone: string | null | undefined; testId?: string }) {
  if (!phone) return null;
  if (phone.includes('*')) return <Typography.Text data-testid={testId}>{phone}</Typography.Text>;
  return (
    <a href={`tel:${phone}`} data-testid={testId}>
      {phone}
    </a>
  );
}
