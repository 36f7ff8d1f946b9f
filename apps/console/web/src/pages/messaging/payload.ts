// A mutation's payload is nullable in the schema, but null comes only with a top-level error, which `request`
// has already thrown; this keeps the pages' types honest without a `?.` on every line.
import { ApiError } from '../../api/client';

export function must<T>(value: T | null | undefined): T {
  if (value === null || value === undefined) throw new ApiError('EMPTY', '服务器没有返回结果，请稍后重试。');
  return value;
}
