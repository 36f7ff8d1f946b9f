// The house picker of the desk's dialogs (a ticket for a caller, an application at the counter): 户号 / owner /
// phone / address typed, the API's houses(filter: {search}) asked 250 ms after the typing stops; the house picked
// is handed back so that the dialog can take the contact from its owner. The search state lives in the dialog
// (useHouseSearch), the select inside its Form.Item (HouseSearchSelect).
import { useQuery } from '@tanstack/react-query';
import { Select, type SelectProps } from 'antd';
import { useEffect, useState } from 'react';
import { useT } from '../../i18n';

export interface FoundHouse {
  id: string;
  accountNo: string;
  address: string;
  ownerName: string;
  ownerPhone?: string | null;
}

const DEBOUNCE_MS = 250;

/** What is typed, the term searched for (typing settled) and its answer; `enabled` false holds the query. */
export function useHouseSearch<H extends FoundHouse>(queryKey: string, find: (search: string) => Promise<H[]>, enabled = true) {
  const [search, setSearch] = useState('');
  const [term, setTerm] = useState('');
  useEffect(() => {
    const timer = window.setTimeout(() => setTerm(search.trim()), DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [search]);
  const houses = useQuery({ queryKey: [queryKey, term], enabled: enabled && term !== '', queryFn: () => find(term) });
  return { term, setSearch, houses };
}

export type HouseSearch<H extends FoundHouse> = ReturnType<typeof useHouseSearch<H>>;

type Props<H extends FoundHouse> = Omit<SelectProps<string>, 'onChange'> & {
  search: HouseSearch<H>;
  /** A house picked from the answer (after the form took its id). */
  onPick: (house: H) => void;
  /** Form.Item's own. */
  onChange?: SelectProps<string>['onChange'];
};

export function HouseSearchSelect<H extends FoundHouse>({ search, onPick, onChange, ...rest }: Props<H>) {
  const t = useT();
  const { houses } = search;
  return (
    <Select
      {...rest}
      showSearch
      filterOption={false}
      onSearch={search.setSearch}
      loading={houses.isFetching}
      placeholder={t('户号 / 户主 / 电话 / 地址', 'Account no. / owner / phone / address')}
      options={(houses.data ?? []).map((h) => ({ value: h.id, label: `${h.accountNo} ${h.ownerName} ${h.address}` }))}
      onChange={(id, option) => {
        onChange?.(id, option);
        const h = houses.data?.find((x) => x.id === id);
        if (h) onPick(h);
      }}
    />
  );
}
