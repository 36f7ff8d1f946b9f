// Statement reconciliation (对账; finance, admins): the runs at /reconciliation, one run at /reconciliation/<id>.
import { Route, Routes } from 'react-router-dom';
import RunDetail from './RunDetail';
import RunsList from './RunsList';

export default function ReconciliationPage() {
  return (
    <Routes>
      <Route index element={<RunsList />} />
      <Route path=":id" element={<RunDetail />} />
    </Routes>
  );
}
