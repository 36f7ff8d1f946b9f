// Houses (房屋台账): the table at /houses, one house at /houses/<id>. Both load with this page's chunk.
import { Route, Routes } from 'react-router-dom';
import HouseDetail from './HouseDetail';
import HouseTable from './HouseTable';

export default function HousesPage() {
  return (
    <Routes>
      <Route index element={<HouseTable />} />
      <Route path=":id" element={<HouseDetail />} />
    </Routes>
  );
}
